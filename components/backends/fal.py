"""Kling on fal.ai, through the official fal_client's AsyncClient.

A job is followed through fal_client's public handle: `submit()` returns it,
`iter_events()` polls the queue, `get()` reads the result, `cancel()` stops it.
Async on purpose: a job that waits minutes in fal's queue holds no thread. The
key is chosen per call (the visitor's, else the server's) and handed to
`AsyncClient(key=…)`; it is never put in the environment, and `repr=False`
keeps it out of logs and tracebacks.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import fal_client
import httpx

from components.backends.base import Finished, Progress
from components.backends.download import download_client, download_video, video_seconds
from components.backends.fal_errors import explain, timed_out
from components.backends.fal_private import PooledAsyncClient, SubmitOutcomeUnknown
from components.backends.fal_speech import download_speech, speak_on_fal
from components.backends.fal_stt import transcribe_on_fal
from components.errors import InputRejected, MissingKey
from components.spending.pricing import actual_cost

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from collections.abc import Callable, Mapping
    from typing import Any

    from components.backends.fal_stt import Transcript
    from components.config.tts_settings import TtsEngine
    from components.inputs.jobs import Job

_LOG_LINES_SHOWN = 5
_FAL_ERRORS = (fal_client.client.FalClientError, httpx.HTTPError, SubmitOutcomeUnknown)
NO_KEY_MESSAGE = (
    "No fal key is available. Paste your own key (from https://fal.ai/dashboard/keys) into "
    "“Your fal key”, choose the free “Local preview” model, or, if you run this app, set FAL_KEY "
    "in the environment or as a Space secret."
)


@dataclass(frozen=True)
class FalBackend:
    output_dir: Path
    poll_interval: float
    timeout: float
    server_key: str | None = field(default=None, repr=False)
    paid = True
    recoverable = True
    # Made once and shared by every job on the server key: each new client costs an SSL
    # context (~25 ms of CPU), which was the app's biggest item per generation.
    _server_client: PooledAsyncClient | None = field(init=False, repr=False, compare=False)
    _downloads: httpx.AsyncClient = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        shared = PooledAsyncClient(key=self.server_key) if self.server_key else None
        object.__setattr__(self, "_server_client", shared)
        object.__setattr__(self, "_downloads", download_client())

    def has_key(self, visitor_key: str | None) -> bool:
        return bool(visitor_key or self.server_key)

    async def run(self, job: Job, visitor_key: str | None) -> AsyncIterator[Progress | Finished]:
        async with self._client_for(visitor_key) as client:
            yield Progress("uploading")
            try:
                urls = await asyncio.gather(client.upload_file(job.image), client.upload_file(job.audio))
                arguments = job.model.request(urls[0], urls[1], job.prompt)
                # From here on fal may have the job, even if no answer comes back.
                yield Progress("submitting")
                handle = await client.submit(job.endpoint, arguments)
            except _FAL_ERRORS as exc:
                raise explain(exc, None, self.timeout) from None
            price, rule = job.model.price_per_second, job.model.price
            following = self._follow(handle, price, job.estimate.seconds, rule.min_seconds, rule.rounding)
            async with contextlib.aclosing(following) as events:
                async for event in events:
                    yield event

    async def follow(
        self, endpoint: str, request_id: str, visitor_key: str | None, price: float
    ) -> AsyncIterator[Progress | Finished]:
        """Follow a job fal already accepted (after a reload or a restart) to its video; nothing is sent again."""
        async with self._client_for(visitor_key) as client:
            handle = await client.get_handle(endpoint, request_id)
            async with contextlib.aclosing(self._follow(handle, price, 0.0)) as events:
                async for event in events:
                    yield event

    async def cancel(self, endpoint: str, request_id: str, visitor_key: str | None) -> None:
        """Stop: a queued job is dropped; a running one is only signalled and may still finish and bill."""
        async with self._client_for(visitor_key) as client:
            try:
                await client.cancel(endpoint, request_id)
            except _FAL_ERRORS as exc:
                raise explain(exc, request_id, self.timeout) from None

    async def recover(self, endpoint: str, request_id: str, visitor_key: str | None, price: float) -> Finished:
        """Fetch a finished job's stored result again: reading a result is free at fal."""
        async with self._client_for(visitor_key) as client:
            try:
                handle = await client.get_handle(endpoint, request_id)
                if not isinstance(await handle.status(), fal_client.Completed):
                    raise InputRejected(f"Job {request_id} is still running at fal; recover it once it has finished.")
                result = await handle.get()
                target = self.output_dir / f"{request_id}.mp4"
                video = await download_video(self._downloads, result, target, request_id)
            except _FAL_ERRORS as exc:
                raise explain(exc, request_id, self.timeout) from None
        seconds = video_seconds(result, video, 0.0)
        return Finished(video=video, seconds=seconds, cost=actual_cost(seconds, price), request_id=request_id)

    async def speak(
        self, engine: TtsEngine, text: str, voice_id: str, visitor_key: str | None, folder: Path
    ) -> tuple[Path, str]:
        """A script spoken by a fal text-to-speech endpoint, downloaded; with fal's request id."""
        async with self._client_for(visitor_key) as client:
            spoken = await speak_on_fal(client, engine, text, voice_id, poll_interval=self.poll_interval)
            path = await download_speech(self._downloads, spoken.audio_url, folder, spoken.request_id)
        return path, spoken.request_id

    async def transcribe(
        self, endpoint: str, audio: Path, arguments: Mapping[str, Any], visitor_key: str | None, saw: Callable
    ) -> Transcript:
        """A voice heard by a fal speech-to-text endpoint: its timed chunks, with fal's request id."""
        async with self._client_for(visitor_key) as client:
            return await transcribe_on_fal(client, endpoint, audio, arguments, saw, self.poll_interval)

    @contextlib.asynccontextmanager
    async def _client_for(self, visitor_key: str | None) -> AsyncIterator[PooledAsyncClient]:
        """A visitor's key gets a client of its own for this call only; otherwise the server's."""
        if visitor_key:
            client = PooledAsyncClient(key=visitor_key)
            try:
                yield client
            finally:
                with contextlib.suppress(Exception):
                    await client.aclose()
            return
        if self._server_client is None:
            # Never pass key=None: fal_client would then fall back to FAL_KEY/~/.fal.
            raise MissingKey(NO_KEY_MESSAGE)
        yield self._server_client

    async def _follow(
        self,
        handle: fal_client.AsyncRequestHandle,
        price: float,
        fallback_seconds: float,
        min_seconds: float = 0.0,
        rounding: str = "up",
    ) -> AsyncIterator[Progress | Finished]:
        """Queue and progress updates until fal says COMPLETED, then the result and the video.

        Closing this early (the page went away) does not cancel at fal: the job is paid for and
        its video is still wanted. Only Stop (`cancel`) and the timeout cancel."""
        request_id = handle.request_id
        deadline = time.monotonic() + self.timeout
        try:
            async for status in handle.iter_events(with_logs=True, interval=self.poll_interval):
                if isinstance(status, fal_client.Completed):
                    break
                if time.monotonic() > deadline:
                    with contextlib.suppress(Exception):
                        await asyncio.shield(handle.cancel())
                    raise timed_out(self.timeout, request_id)
                yield _progress(status, request_id)
            result = await handle.get()
            yield Progress("downloading", request_id=request_id)
            video = await download_video(self._downloads, result, self.output_dir / f"{request_id}.mp4", request_id)
        except _FAL_ERRORS as exc:
            raise explain(exc, request_id, self.timeout, accepted=True) from None
        seconds = video_seconds(result, video, fallback_seconds)
        cost = actual_cost(seconds, price, min_seconds, rounding)
        yield Finished(video=video, seconds=seconds, cost=cost, request_id=request_id)


def _progress(status: fal_client.Status, request_id: str) -> Progress:
    if isinstance(status, fal_client.Queued):
        return Progress("queued", request_id=request_id, queue_position=status.position)
    entries = getattr(status, "logs", None) or []
    lines = [str(entry.get("message", "")) for entry in entries if isinstance(entry, dict)]
    return Progress("generating", request_id=request_id, logs=tuple(lines[-_LOG_LINES_SHOWN:]))
