"""Fetching fal's finished video into the videos folder."""

from __future__ import annotations

import contextlib
from pathlib import Path

import httpx
import mutagen

from components.errors import NotSaved, RemoteFailure

_CHUNK = 1 << 16


def download_client() -> httpx.AsyncClient:
    """A plain client, shared by all downloads: the video URL is public and must not receive the fal key."""
    return httpx.AsyncClient(timeout=120, follow_redirects=True)


async def download_video(http: httpx.AsyncClient, result: dict, target: Path, request_id: str | None) -> Path:
    """A local copy: Gradio will not fetch loopback URLs, and it outlives fal's retention.

    Written under a temporary name and renamed when complete, so a failure never leaves a truncated video.
    """
    try:
        url = result["video"]["url"]
    except (KeyError, TypeError):
        raise RemoteFailure("fal finished the job but returned no video", request_id) from None
    partial = target.with_name(f".{target.name}.part")
    try:
        async with http.stream("GET", url) as response:
            if response.status_code != 200:
                raise RemoteFailure(
                    f"fal made the video but downloading it failed (HTTP {response.status_code}). "
                    f"It may still be at {url}",
                    request_id,
                )
            with partial.open("wb") as out:
                async for chunk in response.aiter_bytes(_CHUNK):
                    out.write(chunk)
        partial.replace(target)
    except OSError as exc:
        raise NotSaved(
            f"fal finished the video, but this server could not save it ({exc.strerror or type(exc).__name__})",
            request_id,
        ) from None
    finally:
        with contextlib.suppress(OSError):  # the folder itself may be what failed
            partial.unlink(missing_ok=True)
    return target


def video_seconds(result: object, video: Path, fallback: float) -> float:
    """fal's `duration` when the model returns one; else the downloaded video's own length (its header)."""
    duration = result.get("duration") if isinstance(result, dict) else None
    if isinstance(duration, (int, float)) and duration > 0:
        return float(duration)
    with contextlib.suppress(Exception):  # an unreadable header: the estimate's length is the best left
        parsed = mutagen.File(video)
        if parsed is not None and parsed.info.length > 0:
            return float(parsed.info.length)
    return fallback
