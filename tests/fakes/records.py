"""What the fake fal records: every request seen, every job submitted.

Tests assert on these (which key reached fal, how often a job was polled, whether anything reached
fal at all), so they are plain data, free of the HTTP machinery.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Seen:
    """One request as it arrived; `key` is the fal key behind it, resolved from an upload token."""

    method: str
    path: str
    key: str | None


@dataclass
class FakeJob:
    """One accepted submit and what happened to it since."""

    request_id: str
    endpoint: str
    key: str | None
    arguments: dict
    submitted: float
    cancelled: bool = False
    fails: bool = False  # fal failed this job: its result is an error (failed jobs are not charged)
    status_requests: int = 0
    # When a poll first saw COMPLETED: the benchmark measures how late the app noticed.
    completion_seen: float | None = None


def job_stats(
    jobs: Iterable[FakeJob], files: Mapping[str, Path], uploaders: Mapping[str, str], job_seconds: float
) -> dict:
    """What the benchmark reads of a fake that runs in another process (as JSON)."""
    return {
        "job_seconds": job_seconds,
        "uploads": [{"name": n, "bytes": p.stat().st_size, "key": uploaders.get(n)} for n, p in files.items()],
        "jobs": [
            {
                "request_id": job.request_id,
                "submitted": job.submitted,
                "status_requests": job.status_requests,
                "completion_lag": None
                if job.completion_seen is None
                else job.completion_seen - job.submitted - job_seconds,
                "audio_url": job.arguments.get("audio_url"),
                "image_url": job.arguments.get("image_url"),
            }
            for job in jobs
        ],
    }
