"""App CPU per generation with its child processes, the children by name, and 20 visitors at once vs one.

Each visitor is new: a page load (GET / and /config, what a browser or gradio_client does first), the
photo and the voice uploaded to the app, then /generate in a session of its own, on the app's key,
against the fake fal without a network model (its usual 5 s job, one fixed video back). The app's CPU
is utime + stime + cutime + cstime from /proc/<pid>/stat: children count once they are waited for,
which `subprocess.run` does. Children are counted by name through wrappers put first on the app's PATH
(pydub, ffmpy and the app find ffmpeg/ffprobe there), each appending its name to a file and then
exec-ing the real program; one visitor run under `strace -f -e trace=execve` checks nothing else runs,
and py-spy names the function most often on CPU over one more.
"""

from __future__ import annotations

import collections
import os
import shutil
import signal
import statistics
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.gradio_http import arguments, call, upload
from bench.processes import cpu_seconds_with_children, fake_fal, served
from bench.profile import biggest_item

PRO, KEY = "fal-ai/kling-video/ai-avatar/v2/pro", "bench-key"
WRAPPED = ("ffmpeg", "ffprobe", "espeak-ng", "sox")
AT_ONCE, SINGLE_RUNS = 20, 3


@dataclass(frozen=True)
class Load:
    cpu_per_visitor: float  # app + children, seconds
    cpu_split: dict[str, float]  # per visitor, sequential runs: page load, uploads to the app, generate
    children: dict[str, float]  # per visitor, by program
    single_wall: float  # one visitor alone, median
    at_once_wall: float  # AT_ONCE visitors at once
    failed: int  # visitors (of all runs) whose generation the app ended with an error
    traced: list[str] | None  # programs one visitor ran, as strace saw them (None: no strace)
    hottest: tuple[str, float]  # py-spy over one visitor: the function most often on CPU, and its share


def visitor(url: str, photo: Path, voice: Path, prompt: str, marks: list[float] | None = None, pid: int = 0) -> bool:
    """One new visitor from page load to video (False: the app answered with an error); `marks`
    collects the app's CPU between the steps."""

    def mark() -> None:
        if marks is not None:
            marks.append(cpu_seconds_with_children(pid))

    mark()
    for path in ("", "config"):
        httpx.get(url + path, timeout=60).raise_for_status()
    mark()
    face, speech = upload(url, photo), upload(url, voice)
    mark()
    try:
        call(url, "generate", arguments(url, "generate", image=face, audio=speech, prompt=prompt, model=PRO))
    except RuntimeError:
        return False
    finally:
        mark()
    return True


def measure(work: Path, photo: Path, voice: Path, fixed: Path, label: str) -> Load:
    bin_dir, counter = _wrappers(work / f"bin-{label}")
    env = {"FAKE_QUEUE_SECONDS": "1", "FAKE_RUN_SECONDS": "4", "FAKE_FIXED_VIDEO": str(fixed)}
    path = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
    data = str(work / f"data-{label}")
    with (
        fake_fal(**env) as fal_url,
        served("tests/fakes/app_on_fake.py", BENCH_FAL_URL=fal_url, FAL_KEY=KEY, KLING_STUDIO_DATA=data, PATH=path) as (
            proc,
            url,
            _,
        ),
    ):
        pid, runs = proc.pid, iter(range(10_000))
        outcomes = [visitor(url, photo, voice, f"{label} warm-up")]
        walls, splits = [], []
        for _ in range(SINGLE_RUNS):
            marks: list[float] = []
            started = time.perf_counter()
            outcomes.append(visitor(url, photo, voice, f"{label} {next(runs)}", marks, pid))
            walls.append(time.perf_counter() - started)
            splits.append([after - before for before, after in zip(marks, marks[1:], strict=False)])
        counted, cpu_before = _count(counter), cpu_seconds_with_children(pid)
        started = time.perf_counter()
        with ThreadPoolExecutor(AT_ONCE) as pool:
            outcomes += pool.map(lambda i: visitor(url, photo, voice, f"{label} {next(runs)}"), range(AT_ONCE))
        at_once = time.perf_counter() - started
        cpu = (cpu_seconds_with_children(pid) - cpu_before) / AT_ONCE
        children = {name: n / AT_ONCE for name, n in (_count(counter) - counted).items()}
        traced = _traced(pid, work / f"strace-{label}.txt", lambda: visitor(url, photo, voice, f"{label} traced"))
        hottest = biggest_item(pid, lambda: visitor(url, photo, voice, f"{label} profiled"), gil=False)
    split = {name: statistics.median(s[i] for s in splits) for i, name in enumerate(("page", "uploads", "generate"))}
    return Load(cpu, split, children, statistics.median(walls), at_once, outcomes.count(False), traced, hottest)


def _wrappers(bin_dir: Path) -> tuple[Path, Path]:
    bin_dir.mkdir(parents=True, exist_ok=True)
    counter = bin_dir / "started.txt"
    counter.touch()
    for name in WRAPPED:
        real = shutil.which(name)
        if real:
            script = bin_dir / name
            script.write_text(f'#!/bin/sh\necho {name} >> "{counter}"\nexec "{real}" "$@"\n')
            script.chmod(0o755)
    return bin_dir, counter


def _count(counter: Path) -> collections.Counter:
    return collections.Counter(counter.read_text().split())


def _traced(pid: int, log: Path, action: Callable[[], object]) -> list[str] | None:
    """The programs the app started (by pid, the last exec wins) while `action` ran under strace."""
    strace = shutil.which("strace")
    if strace is None:
        return None
    tracer = subprocess.Popen(
        [strace, "-f", "-qq", "-z", "-e", "trace=execve", "-e", "signal=none", "-o", str(log), "-p", str(pid)],
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.0)  # attached to every thread
    action()
    tracer.send_signal(signal.SIGINT)
    tracer.wait(timeout=30)
    programs: dict[str, str] = {}
    for line in log.read_text().splitlines():
        child, _, rest = line.partition(" ")
        if 'execve("' in rest:  # -z: successful calls only
            programs[child] = Path(rest.split('execve("', 1)[1].split('"')[0]).name
    return sorted(programs.values())
