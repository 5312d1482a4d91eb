"""What the fake fal records: every request seen, every job submitted."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Seen:
    method: str
    path: str
    key: str | None


@dataclass
class FakeJob:
    request_id: str
    endpoint: str
    key: str
    arguments: dict
    submitted: float
    cancelled: bool = False
    status_requests: int = 0
    completion_seen: float | None = None


def job_stats(fake) -> dict:
    """What the benchmark reads of a fake that runs in another process."""
    job_seconds = fake.queue_seconds + fake.run_seconds
    return {
        "job_seconds": job_seconds,
        "uploads": [{"name": n, "bytes": p.stat().st_size, "key": fake.uploaders.get(n)} for n, p in fake.files.items()],
        "jobs": [
            {
                "request_id": job.request_id,
                "submitted": job.submitted,
                "status_requests": job.status_requests,
                "completion_lag": None if job.completion_seen is None else job.completion_seen - job.submitted - job_seconds,
                "audio_url": job.arguments.get("audio_url"),
            }
            for job in fake.jobs.values()
        ],
    }
