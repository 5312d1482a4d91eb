"""The narration bench's rig: the fake fal and the app in this process, with timing wrappers and a
request log, so the wall time can be split into consecutive checkpoints (see bench/narration.py)."""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

import fal_client.client
from starlette.types import Receive, Scope, Send

import components.inputs.checked_inputs
import components.running.narration_parts
import components.studio
import tests.fakes.fal
from tests.fakes import FakeFal, FakeFalServer
from tests.helpers import SERVER_KEY, fast_settings, running_app

_REAL_RENDER = tests.fakes.fal.render_video
# Checkpoints on the critical path, in order; each segment ends at its checkpoint.
SEGMENTS = (
    ("to the app", "gradio_client uploads the WAV to the app; Gradio queues the call"),
    ("prepare", "the app decodes, cuts and MP3-encodes the voice, checks the portrait, digests the inputs"),
    ("uploads + submits", "photo and voice parts to fal's storage, then the submits (last one answered)"),
    ("at fal", "the fake's queue + run time (last part's)"),
    ("noticed", "the app's poll sees the last part COMPLETED"),
    ("results", "the last result answered: the fake's ffmpeg encode of the part's video (during-run: what is left)"),
    ("downloads", "the last part's video downloaded by the app"),
    ("join", "the parts joined into one video (ffmpeg concat, audio re-encoded)"),
    ("to the client", "Gradio hands the video back; gradio_client downloads it"),
)


@dataclass(frozen=True)
class Span:
    kind: str
    start: float  # time.monotonic
    end: float
    detail: str = ""


@dataclass
class Spans:
    """What the wrappers and the fake's middleware saw, in time.monotonic seconds."""

    items: list[Span] = field(default_factory=list)

    def add(self, kind: str, start: float, detail: str = "") -> None:
        self.items.append(Span(kind, start, time.monotonic(), detail))

    def of(self, kind: str) -> list[Span]:
        return [span for span in self.items if span.kind == kind]

    def clear(self) -> None:
        self.items.clear()


class Recorded:
    """ASGI middleware around the fake fal: every request's kind, start and end; and where the parts'
    videos are encoded (`renders`).

    "serial": the fake as it is: it encodes a part's video in its synchronous result handler, so the
    parts encode one after another and its polls wait meanwhile. "parallel": a result request first
    has the video encoded in a worker thread, so the parts encode at once. "during-run": each part's
    encode starts in a worker thread as it is submitted, so it runs within the job's queue + run time,
    as fal's render does, and its result waits only for what is left. In both, the fake then finds the
    video made (its model reuses an encode of the same inputs)."""

    def __init__(self, fake: FakeFal, spans: Spans, renders: str) -> None:
        self.fake, self.app, self.spans, self.renders = fake, fake.app, spans, renders
        self._encodes: dict[str, asyncio.Task] = {}  # request id -> its video's encode, started at submit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        kind = _kind(scope["method"], scope["path"])
        try:
            if kind == "result" and self.renders != "serial":
                request_id = scope["path"].split("/requests/")[1].split("/")[0]
                encode = self._encodes.pop(request_id, None) or self._encode(request_id)
                if encode is not None:
                    await asyncio.shield(encode)
            await self.app(scope, receive, send)
            if kind == "submit" and self.renders == "during-run":
                for request_id in set(self.fake.jobs) - set(self._encodes):
                    self._encodes[request_id] = self._encode(request_id)
        finally:
            self.spans.add(kind, started, scope["path"])

    def _encode(self, request_id: str) -> asyncio.Task | None:
        job = self.fake.jobs.get(request_id)
        if job is None or job.cancelled or job.fails:
            return None
        image, audio = (self.fake.storage.path_of(job.arguments[name]) for name in ("image_url", "audio_url"))
        render = timed("render", _REAL_RENDER, self.spans)
        return asyncio.ensure_future(asyncio.to_thread(render, image, audio, self.fake.storage.directory))


def _kind(method: str, path: str) -> str:
    if path == "/storage/auth/token":
        return "token"
    if path.startswith("/files/"):
        return "upload" if method in ("POST", "PUT") else "video"
    if "/requests/" in path:
        return "status" if path.endswith("/status") else "cancel" if path.endswith("/cancel") else "result"
    return "submit" if method == "POST" else "other"


def timed(kind: str, function: Callable, spans: Spans) -> Callable:
    def wrapper(*args: object, **kwargs: object) -> object:
        started = time.monotonic()
        try:
            return function(*args, **kwargs)
        finally:
            spans.add(kind, started)

    return wrapper


@dataclass(frozen=True)
class Outcome:
    label: str
    wall: float
    submits: int
    part_seconds: list[float]  # each part's audio as fal got it, in part order
    audio_seconds: float
    video_seconds: float
    segments: dict[str, float]
    renders: list[float]  # the fake's ffmpeg encode of each part's video
    renders_overlapped: bool
    cpu: float  # this process (app, fake, gradio_client) and its ffmpeg children


@contextlib.contextmanager
def fake_and_app(
    queue: float, run: float, poll: float, renders: str, spans: Spans, work: Path
) -> Iterator[tuple[FakeFal, str]]:
    fake = FakeFal(valid_keys={SERVER_KEY}, queue_seconds=queue, run_seconds=run)
    # Timed where the fake calls it, unless the middleware already encoded (and timed) the video.
    render = timed("render", _REAL_RENDER, spans) if renders == "serial" else _REAL_RENDER
    settings = fast_settings(poll_interval_seconds=poll, timeout_seconds=max(60.0, 3 * (queue + run) + 60))
    with (
        FakeFalServer(fake, app=Recorded(fake, spans, renders)) as running,
        mock.patch.multiple(
            fal_client.client,
            QUEUE_URL_FORMAT=running.base_url + "/",
            RUN_URL_FORMAT=running.base_url + "/",
            REST_URL=running.base_url,
            CDN_URL=running.base_url,
        ),
        mock.patch.multiple(
            components.inputs.checked_inputs,
            _check_voice=timed("prepare", components.inputs.checked_inputs._check_voice, spans),
            _check_portrait=timed("prepare", components.inputs.checked_inputs._check_portrait, spans),
        ),
        mock.patch.object(components.studio, "fingerprint", timed("digest", components.studio.fingerprint, spans)),
        mock.patch.object(
            components.running.narration_parts,
            "join_videos",
            timed("join", components.running.narration_parts.join_videos, spans),
        ),
        mock.patch.object(tests.fakes.fal, "render_video", render),
        running_app(settings, SERVER_KEY, work / "videos") as url,
    ):
        yield running, url


def segments(spans: Spans, started: float, due: float, noticed: float, returned: float) -> dict[str, float]:
    def last(kind: str, default: float) -> float:
        return max((span.end for span in spans.of(kind)), default=default)

    prepare = spans.of("prepare")
    checkpoints = [started, prepare[0].start if prepare else started]
    checkpoints.append(max(last("prepare", checkpoints[-1]), last("digest", checkpoints[-1])))
    checkpoints += [last("submit", checkpoints[-1]), due, noticed, last("result", noticed)]
    checkpoints += [last("video", checkpoints[-1]), last("join", checkpoints[-1]) if spans.of("join") else 0.0]
    checkpoints.append(returned)
    flat = []  # never backwards: a checkpoint earlier than the one before it adds nothing
    for point in checkpoints:
        flat.append(max(point, flat[-1]) if flat else point)
    return {name: after - before for (name, _), before, after in zip(SEGMENTS, flat[:-1], flat[1:], strict=True)}
