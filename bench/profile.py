"""The biggest item in a py-spy profile of the app process while it works."""

from __future__ import annotations

import collections
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

_FRAME = re.compile(r"^(?P<function>.+?) \((?P<file>[^:]+)(?::\d+)?\)$")
# Where a thread waits or merely dispatches rather than works (py-spy can catch these with
# the GIL still held): not an item anyone could make smaller.
_WAITING_FILES = {"selectors.py", "threading.py", "queue.py", "events.py", "base_events.py"}


def biggest_item(pid: int, action: Callable[[], object], gil: bool = True) -> tuple[str, float]:
    """Run `action` while py-spy samples `pid` (only threads holding the GIL, i.e. Python CPU; with
    `gil=False` every thread not waiting, so C code that lets the GIL go counts too, under the Python
    function that called it); return the hottest function and its share of samples."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "profile.txt"
        spy = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("py-spy")),
                "record",
                "--pid",
                str(pid),
                "--format",
                "raw",
                "--rate",
                "250",
                *(["--gil"] if gil else []),
                "--nonblocking",
                "--output",
                str(out),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1)
        action()
        spy.send_signal(signal.SIGINT)
        spy.wait(timeout=60)
        counts = _leaf_counts(out.read_text() if out.exists() else "")
    if not counts:
        return "no samples", 0.0
    leaf, samples = counts.most_common(1)[0]
    return leaf, samples / sum(counts.values())


def _leaf_counts(raw: str) -> collections.Counter:
    counts: collections.Counter = collections.Counter()
    for line in raw.splitlines():
        stack, _, number = line.rpartition(" ")
        if not stack or not number.isdigit():
            continue
        leaf = stack.split(";")[-1]
        match = _FRAME.match(leaf)
        if match and Path(match["file"]).name in _WAITING_FILES:
            continue
        name = f"{match['function']} ({Path(match['file']).name})" if match else leaf
        counts[name] += int(number)
    return counts
