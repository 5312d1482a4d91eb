"""What `Studio.generate` yields, and what reopen/recover return: plain data for any UI."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.backends.base import Progress
    from components.config.settings import Model
    from components.history.runs import Run
    from components.spending.pricing import Estimate


@dataclass(frozen=True)
class Checking:
    model: Model


@dataclass(frozen=True)
class Speaking:
    """A typed script is being spoken (its voice and video already reserved)."""

    model: Model


@dataclass(frozen=True)
class Working:
    progress: Progress
    model: Model
    estimate: Estimate | None  # None when following a job fal accepted before a reload or restart
    elapsed: float
    note: str | None = None  # what the face check did to the portrait (a crop, which face of several)


@dataclass(frozen=True)
class Accepted:
    """fal took the job: from here on it must never be lost or sent again."""

    run: Run  # state "pending"
    working: Working  # the progress that carried the request id


@dataclass(frozen=True)
class Done:
    run: Run
    video: Path
    elapsed: float
    note: str | None
    voice_cost: float | None = None  # a typed script's voice, spoken for this video


@dataclass(frozen=True)
class Reused:
    run: Run
    video: Path


@dataclass(frozen=True)
class Reopened:
    run: Run
    video: Path
    recovered: bool


@dataclass(frozen=True)
class Stopped:
    """What Stop did: `stage` is where the job was (uploading, submitting, queued, generating, downloading…)."""

    stage: str
    request_id: str | None


@dataclass(frozen=True)
class Allowance:
    """What is left today on the app's key, for this visitor and for everyone."""

    visitor_left: float
    app_left: float
    resets: str


Event = Checking | Speaking | Working | Accepted | Done | Reused | Stopped
