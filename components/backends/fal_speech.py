"""A script spoken by a text-to-speech endpoint on fal, and the local copy of its audio.

The caller brings the client (a `PooledAsyncClient` made for the payer's key, exactly as
components/backends/fal.py makes one), so the key policy stays in one place. Failures are explained
by fal_errors, as for a video, with the request id once fal has one.
"""

from __future__ import annotations

import asyncio
import contextlib
import mimetypes
import re
import uuid
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlparse

import fal_client
import httpx

from components.backends.fal_errors import explain, timed_out
from components.backends.fal_private import SubmitOutcomeUnknown
from components.errors import RemoteFailure

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.backends.fal_private import PooledAsyncClient
    from components.config.tts_settings import TtsEngine

_FAL_ERRORS = (fal_client.client.FalClientError, httpx.HTTPError, SubmitOutcomeUnknown)
_CHUNK = 1 << 16
# A minute of 48 kHz stereo 16-bit WAV is 11.5 MB; anything far beyond that is not a spoken script.
MAX_AUDIO_BYTES = 25_000_000
_AUDIO_SUFFIXES = {".wav", ".mp3", ".ogg", ".oga", ".opus", ".m4a", ".aac", ".flac", ".webm"}
# Types `mimetypes` does not know on every Python (it knows only audio/x-wav for WAV).
_MORE_TYPES = {"audio/wav": ".wav", "audio/wave": ".wav", "audio/vnd.wave": ".wav", "audio/mp3": ".mp3"}
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_-]")


class FalSpeech(NamedTuple):
    audio_url: str
    request_id: str


def speech_arguments(engine: TtsEngine, text: str, voice_id: str) -> dict[str, Any]:
    """fal's JSON input: the engine's fixed arguments, the text, and the voice (maybe nested)."""
    arguments: dict[str, Any] = dict(engine.fixed_arguments)
    arguments[engine.text_field] = text
    *parents, last = engine.voice_field.split(".")
    slot = arguments
    for name in parents:
        slot = slot.setdefault(name, {})
    slot[last] = voice_id
    return arguments


async def speak_on_fal(
    client: PooledAsyncClient,
    engine: TtsEngine,
    text: str,
    voice_id: str,
    poll_interval: float = 0.5,
    timeout: float = 180.0,
) -> FalSpeech:
    """Submit the script, wait for the result, and return the audio's URL with fal's request id.

    Speech takes seconds, so no progress is reported; a timeout or a cancelled task cancels the job
    at fal too (a finished job is billed, a cancelled queued one is not).
    """
    try:
        handle = await client.submit(engine.id, speech_arguments(engine, text, voice_id))
    except _FAL_ERRORS as exc:
        raise explain(exc, None, timeout) from None
    request_id = handle.request_id
    result = await wait_for_result(handle, poll_interval, timeout)
    return FalSpeech(_audio_url(result, request_id), request_id)


async def wait_for_result(handle: Any, poll_interval: float, timeout: float) -> object:
    """A short job's result; a timeout or a cancelled task cancels the job at fal too (a finished job is
    billed, a cancelled queued one is not)."""
    request_id, finished = handle.request_id, False
    try:
        result = await asyncio.wait_for(handle.get(interval=poll_interval), timeout)
        finished = True
    except asyncio.TimeoutError:
        raise timed_out(timeout, request_id) from None
    except _FAL_ERRORS as exc:
        # fal answered with an error: no job left to cancel. A broken connection may leave one running.
        finished = not isinstance(exc, (httpx.TransportError, SubmitOutcomeUnknown))
        raise explain(exc, request_id, timeout) from None
    finally:
        if not finished:
            with contextlib.suppress(Exception):
                await asyncio.shield(handle.cancel())
    return result


def _audio_url(result: object, request_id: str) -> str:
    audio = result.get("audio") if isinstance(result, dict) else None
    url = audio.get("url") if isinstance(audio, dict) else None
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise RemoteFailure("fal finished speaking the script but returned no audio", request_id)
    return url


async def download_speech(
    http: httpx.AsyncClient, audio_url: str, target_dir: Path, request_id: str, max_bytes: int = MAX_AUDIO_BYTES
) -> Path:
    """A local copy of the spoken script, for the app's own audio checks and for the upload to Kling.

    `http` is a plain client such as download.download_client(): the URL is public and must not
    receive the fal key.
    """
    stem = _SAFE_NAME.sub("", request_id)[:64] or uuid.uuid4().hex[:12]  # the id names a file: keep it tame
    try:
        async with http.stream("GET", audio_url) as response:
            if response.status_code != 200:
                raise RemoteFailure(
                    f"fal spoke the script but downloading the audio failed (HTTP {response.status_code}). "
                    f"It may still be at {audio_url}",
                    request_id,
                )
            target = Path(target_dir) / f"script-{stem}{_suffix(audio_url, response, request_id)}"
            await _save(response, target, max_bytes, request_id)
    except httpx.TransportError as exc:
        raise explain(exc, request_id, 0) from None
    return target


def _suffix(url: str, response: httpx.Response, request_id: str) -> str:
    """The URL's own extension when it is audio, else one from the content type; anything else is refused."""
    suffix = PurePosixPath(urlparse(url).path).suffix.lower()
    if suffix in _AUDIO_SUFFIXES:
        return suffix
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    guessed = None
    if content_type.startswith("audio/"):
        guessed = _MORE_TYPES.get(content_type) or mimetypes.guess_extension(content_type)
    if guessed is None:
        raise RemoteFailure(f"fal returned something other than audio ({content_type or 'no type'})", request_id)
    return guessed


async def _save(response: httpx.Response, target: Path, max_bytes: int, request_id: str) -> None:
    written = 0
    try:
        with target.open("wb") as out:
            async for chunk in response.aiter_bytes(_CHUNK):
                written += len(chunk)
                if written > max_bytes:
                    raise RemoteFailure(
                        f"fal's audio is larger than {max_bytes // 1_000_000} MB; a spoken script never is",
                        request_id,
                    )
                out.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)  # never leave half a file for the audio checks to trip on
        raise
