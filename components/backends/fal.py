"""Kling on fal.ai, through the official fal_client's AsyncClient.

Async on purpose: a job that waits minutes in fal's queue holds no thread, and
`AsyncClient.subscribe` cancels cleanly on timeout. The key is chosen per call
(visitor's, else the server's) and handed to `AsyncClient(key=…)`; it is never
put in the environment, and `repr=False` keeps it out of logs and tracebacks.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import AsyncIterator

import fal_client
import httpx

from components.backends.base import Finished, Progress
from components.backends.fal_errors import explain
from components.backends.fal_pooled import PooledAsyncClient, SubmitOutcomeUnknown
from components.backends.download import default_output_dir, download_client, download_video
from components.errors import InputRejected, MissingKey
from components.jobs import Job
from components.pricing import actual_cost

_LOG_LINES_SHOWN = 5
NO_KEY_MESSAGE = (
    "No fal key is available. Paste your own key (from https://fal.ai/dashboard/keys) into "
    "“Your fal key”, choose the free “Local preview” model, or, if you run this app, set FAL_KEY "
    "in the environment or as a Space secret."
)


@dataclass(frozen=True)
class FalBackend:
    server_key: str | None = field(default=None, repr=False)
    poll_interval: float = 2.0
    timeout: float = 900.0
    output_dir: Path = field(default_factory=lambda: default_output_dir())
    # Made once and shared by every job on the server key: each new client costs an SSL
    # context (~25 ms of CPU), which was the app's biggest item per generation.
    _server_client: PooledAsyncClient | None = field(init=False, repr=False, compare=False)
    _downloads: httpx.AsyncClient = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        shared = PooledAsyncClient(key=self.server_key) if self.server_key else None
        object.__setattr__(self, "_server_client", shared)
        object.__setattr__(self, "_downloads", download_client())

    def has_key(self, visitor_key: str | None) -> bool:
        return bool((visitor_key or "").strip() or self.server_key)

    def client_for(self, visitor_key: str | None) -> PooledAsyncClient:
        """A visitor's key gets a client of its own for this call only; otherwise the server's."""
        key = (visitor_key or "").strip()
        if key:
            return PooledAsyncClient(key=key)
        if self._server_client is None:
            # Never pass key=None: fal_client would then fall back to FAL_KEY/~/.fal.
            raise MissingKey(NO_KEY_MESSAGE)
        return self._server_client

    async def run(self, job: Job, visitor_key: str | None) -> AsyncIterator[Progress | Finished]:
        client = self.client_for(visitor_key)
        try:
            async with contextlib.aclosing(self._run_on(client, job)) as events:
                async for event in events:
                    yield event
        finally:
            await self._release(client)

    async def _run_on(self, client: PooledAsyncClient, job: Job) -> AsyncIterator[Progress | Finished]:
        request_ids: list[str] = []
        try:
            yield Progress("uploading")
            image_url, audio_url = await asyncio.gather(client.upload_file(job.image), client.upload_file(job.audio))
            arguments = {"image_url": image_url, "audio_url": audio_url, "prompt": job.prompt}
            result = None
            # aclosing: when the page stops listening, the remote cancel in _follow runs now, not at GC.
            async with contextlib.aclosing(self._follow(client, job.endpoint, arguments, request_ids)) as updates:
                async for update in updates:
                    if isinstance(update, Progress):
                        yield update
                    else:
                        result = update
            request_id = request_ids[0] if request_ids else None
            yield Progress("downloading", request_id=request_id)
            target = self.output_dir / f"{request_id or 'video'}.mp4"
            video = await download_video(self._downloads, result, target, request_id)
        except (fal_client.client.FalClientError, httpx.HTTPError, SubmitOutcomeUnknown) as exc:
            raise explain(exc, request_ids[0] if request_ids else None, self.timeout) from None
        seconds = _video_seconds(result, job.estimate.seconds)
        cost = actual_cost(seconds, job.model.price_per_second)
        yield Finished(video=video, seconds=seconds, cost=cost, request_id=request_id)

    async def recover(self, endpoint: str, request_id: str, visitor_key: str | None, price: float) -> Finished:
        """Fetch a finished job's stored result again: reading a result is free at fal."""
        client = self.client_for(visitor_key)
        try:
            state = await client.status(endpoint, request_id)
            if not isinstance(state, fal_client.Completed):
                raise InputRejected(f"Job {request_id} is still running at fal; recover it once it has finished.")
            result = await client.result(endpoint, request_id)
            video = await download_video(self._downloads, result, self.output_dir / f"{request_id}.mp4", request_id)
        except (fal_client.client.FalClientError, httpx.HTTPError) as exc:
            raise explain(exc, request_id, self.timeout) from None
        finally:
            await self._release(client)
        seconds = _video_seconds(result, 0.0)
        return Finished(video=video, seconds=seconds, cost=actual_cost(seconds, price), request_id=request_id)

    async def _release(self, client: PooledAsyncClient) -> None:
        """A visitor's client lives for one call: close its connections (the server's stays open)."""
        if client is not self._server_client:
            with contextlib.suppress(Exception):
                await client.aclose()

    async def _follow(self, client, endpoint: str, arguments: dict, request_ids: list[str]):
        """Run `subscribe` as a task and turn its callbacks into yielded Progress."""
        updates: asyncio.Queue = asyncio.Queue()
        finished = object()

        def on_queue_update(status: fal_client.Status) -> None:
            updates.put_nowait(_progress(status, request_ids))

        subscription = asyncio.ensure_future(
            client.subscribe(
                endpoint,
                arguments,
                with_logs=True,
                interval=self.poll_interval,
                client_timeout=self.timeout,
                on_enqueue=request_ids.append,
                on_queue_update=on_queue_update,
            )
        )
        subscription.add_done_callback(lambda _: updates.put_nowait(finished))
        try:
            while (update := await updates.get()) is not finished:
                if update is not None:
                    yield update
            yield subscription.result()
        finally:
            if not subscription.done():
                subscription.cancel()
                await self._cancel_remote(client, endpoint, request_ids)

    @staticmethod
    async def _cancel_remote(client, endpoint: str, request_ids: list[str]) -> None:
        """The visitor pressed Stop (or left): tell fal, so the job stops costing."""
        if request_ids:
            with contextlib.suppress(Exception):
                await asyncio.shield(client.cancel(endpoint, request_ids[0]))


def _progress(status: fal_client.Status, request_ids: list[str]) -> Progress | None:
    request_id = request_ids[0] if request_ids else None
    if isinstance(status, fal_client.Queued):
        return Progress("queued", request_id=request_id, queue_position=status.position)
    if isinstance(status, fal_client.InProgress):
        lines = [str(entry.get("message", "")) for entry in status.logs or [] if isinstance(entry, dict)]
        return Progress("generating", request_id=request_id, logs=tuple(lines[-_LOG_LINES_SHOWN:]))
    return None


def _video_seconds(result: dict, fallback: float) -> float:
    duration = result.get("duration") if isinstance(result, dict) else None
    if isinstance(duration, (int, float)) and duration > 0:
        return float(duration)
    return fallback
