"""Finished runs: the entries kept in each visitor's browser, and the server's
memory of identical inputs. Pure logic: no gradio.

An entry holds what a visitor needs to find a video again — never a key.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from components.errors import InputRejected
from components.pricing import format_dollars

MAX_ENTRIES = 50
_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Run:
    endpoint: str
    model: str
    seconds: float
    cost: float
    request_id: str | None
    video: str
    finished_at: str

    def label(self) -> str:
        when = self.finished_at[:16].replace("T", " ")
        ident = f" · {self.request_id}" if self.request_id else ""
        return f"{when} UTC · {self.model} · {self.seconds:.1f} s · {format_dollars(self.cost)}{ident}"

    def entry(self) -> dict:
        return asdict(self)


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def from_entry(entry: dict) -> Run:
    """An entry comes back from the browser: trust only well-formed fields."""
    try:
        run = Run(**{name: entry[name] for name in Run.__dataclass_fields__})
    except (KeyError, TypeError):
        raise InputRejected("That history entry is damaged; it cannot be opened.") from None
    if Path(run.video).name != run.video or not run.video.endswith(".mp4"):
        raise InputRejected("That history entry is damaged; it cannot be opened.")
    return run


def remember(history: list | None, run: Run) -> list[dict]:
    return ([run.entry()] + list(history or []))[:MAX_ENTRIES]


def check_request_id(request_id: str | None) -> str:
    text = (request_id or "").strip()
    if not _REQUEST_ID.match(text):
        raise InputRejected("Enter the request id of a finished fal job (letters, digits and dashes).")
    return text


def fingerprint(image: Path, audio: Path, prompt: str, endpoint: str) -> str:
    """Same image bytes, audio bytes, prompt and model → same fingerprint."""
    digest = hashlib.sha256()
    for path in (image, audio):
        with open(path, "rb") as source:
            while chunk := source.read(_CHUNK):
                digest.update(chunk)
        digest.update(b"\0")
    digest.update(f"{prompt.strip() or '.'}\0{endpoint}".encode())
    return digest.hexdigest()


class RunCache:
    """Finished runs by input fingerprint, so identical inputs never pay twice (bounded, newest kept)."""

    def __init__(self, capacity: int = 500) -> None:
        self._runs: OrderedDict[str, Run] = OrderedDict()
        self._capacity = capacity

    def get(self, key: str) -> Run | None:
        return self._runs.get(key)

    def clear(self) -> None:
        self._runs.clear()

    def put(self, key: str, run: Run) -> None:
        self._runs[key] = run
        self._runs.move_to_end(key)
        while len(self._runs) > self._capacity:
            self._runs.popitem(last=False)
