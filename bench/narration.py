"""Issue 13's figure: a 3-minute narration (three parts at fal at once) against one 60 s part, on the fake fal.

Run: `.venv/bin/python -m bench.narration [--queue 2] [--run 8] [--repeats 3] [--poll 0.1] [--renders serial]`
(about 3½ minutes with the defaults).

The fake fal (tests/fakes) runs in a thread of this process with its real model, so each part's video
is really encoded with ffmpeg; every job spends `--queue` s queued and `--run` s rendering first (a real
Kling job takes minutes). The fake encodes a part's video when the app asks for its result, inside its
synchronous handler, so a narration's parts encode one after another and its polls wait meanwhile;
`--renders parallel` encodes them at once in threads instead, and `--renders during-run` starts each
encode as its part is submitted, so it runs within the job's time as fal's render does (see `Recorded`).
The app runs in-process as the tests run it (tests/helpers.py: `running_app`, `fast_settings`, the
server's key), with the real fal_client pointed at the fake. Each run is a new gradio_client.Client
calling /generate with examples/astronaut.jpg and a new narration WAV (tests/fakes/media.py
`narration_wav`, 24 kHz mono, a new seed each run so the fake reuses no encode), with new_take=True;
the clock runs from the call to the video returned. One warm-up of each kind, then the 60 s and the
180 s narrations alternate, `--repeats` times each; the figures are medians.

Where the time goes comes from timing wrappers put around the app's `prepare_job`, `fingerprint` and
`join_videos` and the fake's `render_video`, and from every request the fake saw (ASGI middleware):
consecutive checkpoints on the critical path, which add up to the wall time.
"""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import argparse
import asyncio
import contextlib
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

import fal_client.client
from gradio_client import Client, handle_file
from starlette.types import Receive, Scope, Send

import components.narration_parts
import components.studio
import tests.fakes.fal
from bench.processes import ROOT
from tests.fakes import FakeFal, FakeFalServer
from tests.fakes.media import narration_wav, probe_seconds
from tests.helpers import PRO, SERVER_KEY, fast_settings, running_app

_REAL_RENDER = tests.fakes.fal.render_video
PHOTO = ROOT / "examples" / "astronaut.jpg"
TARGET = 1.3
ONE_PART_SECONDS, THREE_PARTS_SECONDS = 60.0, 180.0
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
        mock.patch.object(components.studio, "prepare_job", timed("prepare", components.studio.prepare_job, spans)),
        mock.patch.object(components.studio, "fingerprint", timed("digest", components.studio.fingerprint, spans)),
        mock.patch.object(
            components.narration_parts, "join_videos", timed("join", components.narration_parts.join_videos, spans)
        ),
        mock.patch.object(tests.fakes.fal, "render_video", render),
        running_app(settings, SERVER_KEY, work / "videos") as url,
    ):
        yield running, url


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def one_run(fake: FakeFal, url: str, spans: Spans, voice: Path, label: str) -> Outcome:
    client = Client(url, verbose=False, download_files=str(voice.parent / "returned"))
    fake.reset()
    spans.clear()
    cpu, started = _cpu_seconds(), time.monotonic()
    try:
        inputs = (handle_file(str(PHOTO)), handle_file(str(voice)), "Warm.", PRO, "", True, "", "", False)
        video, _status, _record = client.predict(*inputs, api_name="/generate")
    finally:
        client.close()
    returned, cpu = time.monotonic(), _cpu_seconds() - cpu
    jobs = sorted(fake.jobs.values(), key=lambda job: job.arguments["audio_url"].rsplit("-part", 1)[-1])
    part_seconds = [round(probe_seconds(fake.storage.path_of(job.arguments["audio_url"])), 2) for job in jobs]
    due = max(job.submitted for job in jobs) + fake.queue_seconds + fake.run_seconds
    noticed = max(job.completion_seen or due for job in jobs)
    renders = spans.of("render")
    overlapped = any(a.start < b.end and b.start < a.end for a in renders for b in renders if a is not b)
    return Outcome(
        label=label,
        wall=returned - started,
        submits=len(jobs),
        part_seconds=part_seconds,
        audio_seconds=round(probe_seconds(voice), 2),
        video_seconds=round(probe_seconds(Path(video)), 2),
        segments=_segments(spans, started, due, noticed, returned),
        renders=[span.end - span.start for span in renders],
        renders_overlapped=overlapped,
        cpu=cpu,
    )


def _segments(spans: Spans, started: float, due: float, noticed: float, returned: float) -> dict[str, float]:
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


def median_of(outcomes: list[Outcome], value: Callable[[Outcome], float]) -> float:
    return statistics.median(value(outcome) for outcome in outcomes)


def report(queue: float, run: float, poll: float, one: list[Outcome], three: list[Outcome]) -> None:
    one_wall, three_wall = median_of(one, lambda o: o.wall), median_of(three, lambda o: o.wall)
    ratio = three_wall / one_wall
    print(f"\nOne 60 s part:           {one_wall:6.2f} s (median of {len(one)}: {_walls(one)})")
    print(f"180 s narration, 3 parts: {three_wall:6.2f} s (median of {len(three)}: {_walls(three)})")
    print(f"Ratio: {ratio:.3f} × one part (target ≤ {TARGET}) — {'met' if ratio <= TARGET else 'NOT met'}")
    print(f"Floor: the fake's {queue + run:g} s job (queue {queue:g} s + run {run:g} s), poll every {poll:g} s\n")
    for outcome in one + three:
        parts = " + ".join(f"{seconds:.2f}" for seconds in outcome.part_seconds)
        print(
            f"  {outcome.label}: {outcome.wall:6.2f} s; {outcome.submits} submit(s) at fal, parts' audio {parts} s; "
            f"joined video {outcome.video_seconds:.2f} s vs audio {outcome.audio_seconds:.2f} s "
            f"(Δ {outcome.video_seconds - outcome.audio_seconds:+.2f} s); CPU {outcome.cpu:.2f} s"
        )
    print("\nWhere the time goes (medians, s; consecutive checkpoints on the critical path):\n")
    print("| segment | what | one part | three parts | extra |")
    print("|---|---|---|---|---|")
    for name, what in SEGMENTS:
        a, b = median_of(one, lambda o, n=name: o.segments[n]), median_of(three, lambda o, n=name: o.segments[n])
        print(f"| {name} | {what} | {a:.2f} | {b:.2f} | {b - a:+.2f} |")
    print(f"| **wall** | | {one_wall:.2f} | {three_wall:.2f} | {three_wall - one_wall:+.2f} |")
    one_cpu, three_cpu = median_of(one, lambda o: o.cpu), median_of(three, lambda o: o.cpu)
    print(f"\nCPU (app + fake + gradio_client + their ffmpeg children): {one_cpu:.2f} s vs {three_cpu:.2f} s")
    for outcome in one + three:
        together = "alone" if len(outcome.renders) < 2 else "one after another"
        together = "overlapping" if outcome.renders_overlapped else together
        listed = " + ".join(f"{seconds:.2f}" for seconds in outcome.renders)
        print(f"The fake's ffmpeg encodes, {outcome.label}: {listed} s ({together})")


def _walls(outcomes: list[Outcome]) -> str:
    return ", ".join(f"{outcome.wall:.2f}" for outcome in outcomes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--queue", type=float, default=2.0, help="seconds each job waits in the fake's queue")
    parser.add_argument("--run", type=float, default=8.0, help="seconds each job renders at the fake")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--poll", type=float, default=fast_settings().jobs.poll_interval_seconds)
    parser.add_argument(
        "--renders",
        choices=("serial", "parallel", "during-run"),
        default="serial",
        help="serial: the fake as it is (it encodes a part's video in its synchronous result handler, one part "
        "after another); parallel: the parts' encodes run at once in threads when their results are asked for; "
        "during-run: each encode starts at its submit, within the job's queue + run time, as fal renders",
    )
    args = parser.parse_args()
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"CPUs: {os.cpu_count()}; load average (1, 5, 15 min): {load}")
    when = {
        "serial": "when its result is asked for, one part after another",
        "parallel": "when its result is asked for, the parts at once",
        "during-run": "from its submit on, the parts at once, within the job's time",
    }[args.renders]
    print(
        f"Fake fal: queue {args.queue:g} s + run {args.run:g} s per job (a real Kling job takes minutes); its real "
        f"model encodes each part's video with ffmpeg {when} (--renders {args.renders}); the app polls every "
        f"{args.poll:g} s"
    )
    spans = Spans()
    with tempfile.TemporaryDirectory(prefix="bench-narration-") as tmp:
        work = Path(tmp)
        seeds = iter(range(100, 10_000))

        def narration(seconds: float) -> Path:
            seed = next(seeds)
            return narration_wav(work / f"narration-{seconds:g}s-{seed}.wav", seconds, seed=seed)

        with fake_and_app(args.queue, args.run, args.poll, args.renders, spans, work) as (fake, url):
            for seconds in (ONE_PART_SECONDS, THREE_PARTS_SECONDS):
                _progress(f"warm-up, {seconds:g} s")
                one_run(fake, url, spans, narration(seconds), "warm-up")
            one, three = [], []
            for repeat in range(1, args.repeats + 1):
                _progress(f"run {repeat} of {args.repeats}")
                one.append(one_run(fake, url, spans, narration(ONE_PART_SECONDS), f"60 s, run {repeat}"))
                three.append(one_run(fake, url, spans, narration(THREE_PARTS_SECONDS), f"180 s, run {repeat}"))
    report(args.queue, args.run, args.poll, one, three)


def _progress(phase: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {phase}…", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
