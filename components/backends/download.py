"""Fetching fal's finished video into the videos folder."""

from __future__ import annotations

from pathlib import Path

import httpx

from components.errors import RemoteFailure

_CHUNK = 1 << 16


def download_client() -> httpx.AsyncClient:
    """A plain client, shared by all downloads: the video URL is public and must not receive the fal key."""
    return httpx.AsyncClient(timeout=120, follow_redirects=True)


async def download_video(http: httpx.AsyncClient, result: dict, target: Path, request_id: str | None) -> Path:
    """A local copy: Gradio will not fetch loopback URLs, and it outlives fal's retention."""
    try:
        url = result["video"]["url"]
    except (KeyError, TypeError):
        raise RemoteFailure("fal finished the job but returned no video", request_id) from None
    async with http.stream("GET", url) as response:
        if response.status_code != 200:
            raise RemoteFailure(
                f"fal made the video but downloading it failed (HTTP {response.status_code}). It may still be at {url}",
                request_id,
            )
        with target.open("wb") as out:
            async for chunk in response.aiter_bytes(_CHUNK):
                out.write(chunk)
    return target
