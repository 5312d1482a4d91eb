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

Where the time goes comes from timing wrappers put around the app's input checks (`checked_inputs`), `fingerprint` and
`join_videos` and the fake's `render_video`, and from every request the fake saw (ASGI middleware):
consecutive checkpoints on the critical path, which add up to the wall time.
"""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import argparse
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from gradio_client import Client, handle_file

from bench.narration_rig import SEGMENTS, Outcome, Spans, fake_and_app, segments
from bench.processes import ROOT
from tests.fakes import FakeFal
from tests.fakes.media import narration_wav, probe_seconds
from tests.helpers import PRO, fast_settings

PHOTO = ROOT / "examples" / "astronaut.jpg"
TARGET = 1.3
ONE_PART_SECONDS, THREE_PARTS_SECONDS = 60.0, 180.0


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
        segments=segments(spans, started, due, noticed, returned),
        renders=[span.end - span.start for span in renders],
        renders_overlapped=overlapped,
        cpu=cpu,
    )


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
