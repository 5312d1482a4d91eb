"""Starting the app, the bare app and the fake as processes, and reading their CPU, RSS and threads."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
QUIET_ENV = {"GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def fake_fal(**env: str) -> Iterator[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.fake_server"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, **QUIET_ENV, **env},
        text=True,
    )
    try:
        yield proc.stdout.readline().strip()
    finally:
        proc.kill()
        proc.wait()


@contextmanager
def served(script: str, **env: str) -> Iterator[tuple[subprocess.Popen, str, float]]:
    """Run a Gradio app script; yield (process, base URL, seconds until the first page was served)."""
    port = free_port()
    started = time.monotonic()
    # The app's own log (its warnings and "unexpected … at file:line" lines) is kept for a bench's reader.
    log = open(Path(tempfile.gettempdir()) / f"bench-app-{port}.log", "w")  # noqa: SIM115 - closed with the app
    proc = subprocess.Popen(
        [sys.executable, script],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, **QUIET_ENV, "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(port), **env},
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        yield proc, url, _first_page(url, started, proc)
    finally:
        proc.kill()
        proc.wait()
        log.close()


def _first_page(url: str, started: float, proc: subprocess.Popen) -> float:
    while proc.poll() is None:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"{url} exited before serving a page")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def cpu_seconds_with_children(pid: int) -> float:
    """utime + stime + cutime + cstime: the process and every child it has waited for (ffmpeg, ffprobe…)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(value) for value in fields[11:15]) / CLOCK_TICKS


def status_field(pid: int, name: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    raise KeyError(name)
