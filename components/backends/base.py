"""The interface every backend implements, and the events it yields while it works.

Callers ask a backend what it is (`paid`, `recoverable`, `has_key`) instead of
comparing backend names: the settings' `backend:` field picks a class in
`components/backends/__init__.py`, and that is the only place a name matters.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.inputs.jobs import Job


Stage = Literal["waiting", "uploading", "submitting", "queued", "generating", "downloading", "rendering"]
# How far a job has got, for choosing what to say about several parts ("checking": not started yet).
STAGE_ORDER = ("checking", "waiting", "uploading", "submitting", "queued", "generating", "rendering", "downloading")


@dataclass(frozen=True)
class PartStatus:
    """Where one part of a narration is: a stage, or "done", "failed", "retrying"."""

    number: int
    stage: str
    request_id: str | None = None
    queue_position: int | None = None


@dataclass(frozen=True)
class Progress:
    stage: Stage
    request_id: str | None = None
    queue_position: int | None = None
    logs: tuple[str, ...] = field(default=())
    # A narration in parts: each part's own status (`request_id` above is the first part's).
    parts: tuple[PartStatus, ...] = field(default=())

    @property
    def request_ids(self) -> tuple[str, ...]:
        """Every request id fal gave for this job so far (one per part of a narration)."""
        if self.parts:
            return tuple(part.request_id for part in self.parts if part.request_id)
        return (self.request_id,) if self.request_id else ()


@dataclass(frozen=True)
class Finished:
    video: Path
    seconds: float
    cost: float
    request_id: str | None
    # A sentence the page adds under the result (the preview says it is not Kling).
    note: str | None = None


class Backend(Protocol):
    output_dir: Path

    @property
    def paid(self) -> bool:
        """True when a run spends money at a provider (so it counts against a budget and is worth re-using)."""
        ...

    @property
    def recoverable(self) -> bool:
        """True when a finished job can be fetched again by its request id."""
        ...

    def has_key(self, visitor_key: str | None) -> bool:
        """False when this backend would refuse to run for lack of a fal key."""
        ...

    def run(self, job: Job, visitor_key: str | None) -> AsyncIterator[Progress | Finished]:
        """Yield progress while the job runs, then one `Finished`; raise `StudioError` on failure.

        Closing the iterator early does not cancel a job the provider accepted: only `cancel` does."""
        ...

    def follow(
        self, endpoint: str, request_id: str, visitor_key: str | None, price: float
    ) -> AsyncIterator[Progress | Finished]:
        """Follow a job the provider already accepted to its video, without submitting anything."""
        ...

    async def cancel(self, endpoint: str, request_id: str, visitor_key: str | None) -> None:
        """Ask the provider to stop a job (a queued one is dropped; a running one may still finish)."""
        ...

    async def recover(self, endpoint: str, request_id: str, visitor_key: str | None, price: float) -> Finished:
        """Fetch a finished job's stored result again, without running it again."""
        ...
