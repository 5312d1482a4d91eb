"""A local fake of fal's queue + storage HTTP protocol, for the real fal_client.

It answers what `AsyncClient.upload_file`, `subscribe`, `result` and `cancel`
send (see shared/NOTES.md), records every request with the key it carried,
and can be told to misbehave through `FakeFal.faults`. The "model" turns the
uploaded voice into an mp4 exactly as long as the audio.
"""

from __future__ import annotations

import itertools
import json
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from tests.fake_fal_http import CutShort, FakeFalServer, error_response
from tests.fake_fal_model import render_video
from tests.fake_fal_records import FakeJob, Seen, job_stats
from tests.fake_fal_storage import FakeStorage

__all__ = ["FakeFal", "FakeFalServer", "FakeJob", "Seen"]


@dataclass
class FakeFal(FakeStorage):
    valid_keys: set[str] = field(default_factory=set)
    queue_seconds: float = 0.3
    run_seconds: float = 0.5
    faults: dict[str, object] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    jobs: dict[str, FakeJob] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    uploaders: dict[str, str] = field(default_factory=dict)
    submit_attempts: int = 0
    # The benchmark's fake model returns this one video, so rendering costs the fake nothing.
    fixed_video: Path | None = None
    fixed_video_seconds: float = 5.0
    base_url: str = ""

    def __post_init__(self):
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._tokens: dict[str, str] = {}
        self._dir = Path(tempfile.mkdtemp(prefix="fake-fal-"))
        self.app = self._build_app()

    # ---- what tests read -------------------------------------------------
    def submits(self) -> list[FakeJob]:
        return list(self.jobs.values())

    def cancels(self) -> list[str]:
        return [s.path for s in self.seen if s.method == "PUT" and s.path.endswith("/cancel")]

    def keys_seen(self) -> set[str | None]:
        # Video downloads are anonymous, as on fal's CDN; every other request carries a key.
        return {s.key for s in self.seen if not (s.method == "GET" and s.path.startswith("/files/"))}

    def reset(self) -> None:
        with self._lock:
            self.seen.clear()
            self.jobs.clear()
            self.faults.clear()
            self.submit_attempts = 0

    # ---- protocol --------------------------------------------------------
    def _build_app(self) -> FastAPI:
        app = FastAPI()

        @app.api_route("/{path:path}", methods=["GET", "POST", "PUT"])
        async def dispatch(path: str, request: Request) -> Response:
            key = self._key_of(request)
            with self._lock:
                self.seen.append(Seen(request.method, "/" + path, key))
            body = await request.body()
            return self._route(request.method, "/" + path, request, key, body)

        return app

    def _route(self, method: str, path: str, request: Request, key: str | None, body: bytes) -> Response:
        if path == "/storage/auth/token" and method == "POST":
            return self._token(key)
        if path == "/storage/upload/initiate" and method == "POST":
            return self._initiate(key, request)
        if path == "/files/upload" and method == "POST":
            return self._store(key, body, request.headers.get("x-fal-file-name", "upload.bin"))
        if path == "/_fake/stats":
            return JSONResponse(self.stats())
        if path.startswith("/files/"):
            return self._serve_file(method, path, body)
        if "/requests/" in path:
            request_id = path.split("/requests/")[1].split("/")[0]
            if path.endswith("/status"):
                return self._status(request_id)
            if path.endswith("/cancel") and method == "PUT":
                return self._cancel(request_id)
            return self._result(request_id)
        if method == "POST":
            return self._submit(path.lstrip("/"), key, request, body)
        return error_response(404, "Not found")

    def _key_of(self, request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme == "Key":
            return value
        return self._tokens.get(value)

    def _authorized(self, key: str | None, fault: str) -> Response | None:
        forced = self.faults.get(fault)
        if forced:
            return error_response(int(forced), "Forced failure by the fake")
        if key not in self.valid_keys:
            return error_response(401, "Invalid Key Authorization header format or key")
        return None

    def _submit(self, endpoint: str, key: str | None, request: Request, body: bytes) -> Response:
        self.submit_attempts += 1
        if self.submit_attempts <= int(self.faults.get("submit_429_times", 0)):
            return JSONResponse({"detail": "Rate limit exceeded"}, status_code=429)
        refused = self._authorized(key, "submit_status")
        if refused:
            return refused
        request_id = f"req-{next(self._ids):05d}"
        self.jobs[request_id] = FakeJob(request_id, endpoint, key, json.loads(body), time.monotonic())
        if self.faults.pop("cut_after_submit", None):
            return CutShort()  # accepted here, but the client never hears so
        base = f"{self.base_url}/{'/'.join(endpoint.split('/')[:2])}/requests/{request_id}"
        return JSONResponse(
            {
                "request_id": request_id,
                "status_url": f"{base}/status",
                "response_url": base,
                "cancel_url": f"{base}/cancel",
            },
            headers={"x-fal-request-id": request_id},
        )

    def _status(self, request_id: str) -> Response:
        job = self.jobs.get(request_id)
        if job is None:
            return error_response(404, "Request not found")
        age = time.monotonic() - job.submitted
        job.status_requests += 1
        if self.faults.pop("reset_next_status", None):
            return CutShort()
        if job.cancelled or (age >= self.queue_seconds + self.run_seconds and not self.faults.get("never_complete")):
            job.completion_seen = job.completion_seen or time.monotonic()
            return JSONResponse({"status": "COMPLETED", "logs": [], "metrics": {}})
        if age < self.queue_seconds:
            return JSONResponse({"status": "IN_QUEUE", "queue_position": 2 if age < self.queue_seconds / 2 else 0})
        logs = [{"message": f"Rendering frame batch {int(age * 10)}", "level": "INFO"}]
        return JSONResponse({"status": "IN_PROGRESS", "logs": logs})

    def _cancel(self, request_id: str) -> Response:
        job = self.jobs.get(request_id)
        if job is None:
            return error_response(404, "Request not found")
        job.cancelled = True
        return JSONResponse({"status": "CANCELLATION_REQUESTED"}, status_code=202)

    def _result(self, request_id: str) -> Response:
        job = self.jobs.get(request_id)
        if job is None:
            return error_response(404, "Request not found")
        if job.cancelled:
            return error_response(400, "Request was cancelled")
        if self.faults.get("result_status"):
            detail = self.faults.get("result_detail", "Internal error")
            return error_response(int(self.faults["result_status"]), detail, request_id)
        video, seconds = self._render(job)
        url = f"{self.base_url}/files/{video.name}"
        return JSONResponse(
            {
                "video": {"url": url, "content_type": "video/mp4", "file_name": video.name, "file_size": video.stat().st_size},
                "duration": seconds,
            }
        )

    def stats(self) -> dict:
        """For the benchmark, which runs the fake in another process."""
        return job_stats(self)

    def _render(self, job: FakeJob) -> tuple[Path, float]:
        if self.fixed_video is not None:
            self.files[self.fixed_video.name] = self.fixed_video
            return self.fixed_video, self.fixed_video_seconds
        video, seconds = render_video(
            self._uploaded(job.arguments["image_url"]), self._uploaded(job.arguments["audio_url"]), self._dir
        )
        self.files[video.name] = video
        return video, seconds
