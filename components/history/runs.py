"""Finished runs: the entries kept in each visitor's browser, and the server's
memory of identical inputs. Pure logic: no gradio.

An entry holds what a visitor needs to find a video again — never a key.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections import OrderedDict
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from components.errors import InputRejected
from components.spending.pricing import format_cost

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.backends.base import Finished, Progress
    from components.config.settings import Model
    from components.spending.pricing import Estimate

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
    # "pending": fal accepted the job and its video is still to come (seconds and cost are the estimate).
    state: str = "done"
    # A narration in parts: every part's request id, in order ("" for a part fal has not accepted yet).
    parts: tuple[str, ...] = ()

    @classmethod
    def made_by(cls, model: Model, finished: Finished) -> Run:
        video = finished.video.name
        return cls(model.endpoint, model.label, finished.seconds, finished.cost, finished.request_id, video, now_iso())

    @classmethod
    def pending(cls, model: Model, request_id: str, estimate: Estimate, parts: tuple[str, ...] = ()) -> Run:
        video = f"narration-{request_id}.mp4" if parts else f"{request_id}.mp4"
        return cls(
            model.endpoint,
            model.label,
            estimate.seconds,
            estimate.dollars,
            request_id,
            video,
            now_iso(),
            state="pending",
            parts=parts,
        )

    @property
    def is_pending(self) -> bool:
        return self.state == "pending"

    def label(self) -> str:
        when = self.finished_at[:16].replace("T", " ")
        ident = f" · {self.request_id}" if self.request_id else ""
        ident += f" · {len(self.parts)} parts" if self.parts else ""
        if self.is_pending:
            return f"⏳ {when} UTC · {self.model} · still running at fal{ident}"
        return f"{when} UTC · {self.model} · {self.seconds:.1f} s · {format_cost(self.cost)}{ident}"

    def entry(self) -> dict:
        return asdict(self)

    def age_seconds(self) -> float:
        """Since `finished_at` (for a pending run, when fal accepted it); 0 for a time that cannot be read."""
        try:
            stamp = datetime.fromisoformat(self.finished_at)
        except ValueError:
            return 0.0
        stamp = stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)
        return max(0.0, (datetime.now(timezone.utc) - stamp).total_seconds())


def pending_run(model: Model, progress: Progress, estimate: Estimate | None, resumed: Run | None) -> Run | None:
    """The history entry of a job fal has accepted (None before that, or when following a single job again)."""
    if not progress.request_id:
        return None
    parts = tuple(part.request_id or "" for part in progress.parts)
    if resumed is not None:  # a narration followed again: a part not heard of yet keeps the id it had
        return replace(resumed, parts=tuple(new or old for new, old in zip(parts, resumed.parts, strict=False)))
    if estimate is None:
        return None
    return Run.pending(model, progress.request_id, estimate, parts)


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def from_entry(entry: dict) -> Run:
    """An entry comes back from the browser: trust only well-formed fields."""
    damaged = InputRejected("That history entry is damaged; it cannot be opened.")
    try:
        run = Run(**{name: entry[name] for name in Run.__dataclass_fields__ if name in entry})
        run = replace(run, parts=tuple(str(part) for part in run.parts))
    except (TypeError, AttributeError):
        raise damaged from None
    if Path(run.video).name != run.video or not run.video.endswith(".mp4") or run.state not in ("done", "pending"):
        raise damaged
    if any(part and not _REQUEST_ID.match(part) for part in run.parts):
        raise damaged
    return run


def remember(history: list | None, run: Run) -> list[dict]:
    """Newest first; a run already there (same request id, e.g. its pending entry) is replaced, never doubled."""
    others = [
        e
        for e in history or []
        if not (run.request_id and isinstance(e, dict) and e.get("request_id") == run.request_id)
    ]
    return ([run.entry()] + others)[:MAX_ENTRIES]


def pending_runs(history: list | None) -> list[Run]:
    found = []
    for entry in history or []:
        with contextlib.suppress(InputRejected):
            run = from_entry(entry)
            if run.is_pending:
                found.append(run)
    return found


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
