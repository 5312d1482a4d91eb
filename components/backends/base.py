"""What every backend yields while it works, and the interface the handlers use."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import AsyncIterator, Literal, Protocol

from components.jobs import Job

Stage = Literal["uploading", "queued", "generating", "downloading", "rendering"]


@dataclass(frozen=True)
class Progress:
    stage: Stage
    request_id: str | None = None
    queue_position: int | None = None
    logs: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Finished:
    video: Path
    seconds: float
    cost: float
    request_id: str | None


class Backend(Protocol):
    output_dir: Path

    def run(self, job: Job, visitor_key: str | None) -> AsyncIterator[Progress | Finished]:
        """Yield progress while the job runs, then one `Finished`; raise `StudioError` on failure."""
        ...

    def has_key(self, visitor_key: str | None) -> bool:
        """False when this backend would refuse to run for lack of a fal key."""
        ...
