"""A local fake of fal's queue protocol, for the real fal_client pointed at it over plain HTTP.

The protocol, as `AsyncClient.subscribe`, `status`, `result` and `cancel` use it:
- `POST /<endpoint>` with the arguments as JSON submits a job and answers `{request_id,
  status_url, response_url, cancel_url}`; `Authorization: Key <key>` on every request.
- `GET <status_url>` answers `IN_QUEUE` (+`queue_position`), then `IN_PROGRESS` (+`logs`), then
  `COMPLETED`. There is no FAILED status: a failed job says COMPLETED too.
- `GET <response_url>` answers `{"video": {url, content_type, file_name, file_size}, "duration":
  seconds}`, or the job's error (often a 422 with a list of `{loc, msg, type}`).
- `PUT <cancel_url>` cancels; a cancelled job completes at once and its result is an error.
Uploads go to the composed `FakeStorage` (see its docstring). Every request is recorded with the
key it carried, so tests can prove which visitor's key reached fal, and `faults` makes the fake
misbehave on demand. The "model" turns the uploaded voice into an mp4 exactly as long as the audio.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from tests.fakes.endpoints import ENDPOINTS, Fields
from tests.fakes.model import render_video
from tests.fakes.records import FakeJob, Seen, job_stats
from tests.fakes.server import CutShort, error_response
from tests.fakes.storage import FakeStorage
from tests.fakes.stt import SAID, WIZPER, WIZPER_FIELDS, is_stt, transcript_result
from tests.fakes.tts import is_tts, speech_result


# Faults a test may set in `faults` (`reset()` clears them; the one-shot ones pop themselves):
#   submit_status, token_status, result_status (+ result_detail, result_endpoint), video_status: int -> that error
#   for every submit / upload token / result / result-video download; submit_429_times: N -> the
#   first N submits are rate-limited; never_complete -> jobs stay IN_PROGRESS; one-shot:
#   cut_after_submit -> accept a submit, then drop the connection; reset_next_status -> drop a poll;
#   fail_job_number: N -> the N-th job accepted fails at fal (its result is a 500), the others do not.
@dataclass
class FakeFal:
    """The fake's state and its ASGI `app`; serve it with `FakeFalServer`."""

    valid_keys: set[str] = field(default_factory=set)
    queue_seconds: float = 0.3
    run_seconds: float = 0.5
    faults: dict[str, object] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    jobs: dict[str, FakeJob] = field(default_factory=dict)
    submit_attempts: int = 0
    # The benchmark's fake model returns this one video, so rendering costs the fake nothing.
    fixed_video: Path | None = None
    fixed_video_seconds: float = 5.0
    # Each avatar endpoint's fields (tests/fakes/endpoints.py); a test may add the endpoint of a new model.
    endpoints: dict[str, Fields] = field(default_factory=lambda: {**ENDPOINTS, WIZPER: WIZPER_FIELDS})
    # What the speech-to-text endpoint hears in any voice (tests/fakes/stt.py); `reset()` restores it.
    transcript: str = SAID
    storage: FakeStorage = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Requests arrive on uvicorn's thread while a test reads and resets from its own.
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.storage = FakeStorage(authorize=self._authorized)
        self.app = self._build_app()

    # ---- what tests read -------------------------------------------------
    @property
    def base_url(self) -> str:
        """One server answers queue and storage alike, so they share the storage's address."""
        return self.storage.base_url

    @base_url.setter
    def base_url(self, url: str) -> None:
        self.storage.base_url = url

    @property
    def files(self) -> dict[str, Path]:
        """Uploaded and rendered files by stored name (the last part of their URL)."""
        return self.storage.files

    @property
    def uploaders(self) -> dict[str, str]:
        """The fal key behind each upload, by stored name."""
        return self.storage.uploaders

    def submits(self) -> list[FakeJob]:
        """Accepted jobs in order; a job here is one the visitor may be charged for."""
        return list(self.jobs.values())

    def cancels(self) -> list[str]:
        """Paths of the cancel requests, so tests can prove a Stop reached fal."""
        return [s.path for s in self.seen if s.method == "PUT" and s.path.endswith("/cancel")]

    def keys_seen(self) -> set[str | None]:
        # Video downloads are anonymous, as on fal's CDN; every other request carries a key.
        return {s.key for s in self.seen if not (s.method == "GET" and s.path.startswith("/files/"))}

    def reset(self) -> None:
        """Forget requests, jobs and faults between tests; files stay, as on fal's CDN."""
        with self._lock:
            self.seen.clear()
            self.jobs.clear()
            self.faults.clear()
            self.submit_attempts = 0
            self.transcript = SAID

    def stats(self) -> dict:
        """For the benchmark, which runs the fake in another process and reads `/_fake/stats`."""
        return job_stats(self.jobs.values(), self.files, self.uploaders, self.queue_seconds + self.run_seconds)

    # ---- protocol --------------------------------------------------------
    def _build_app(self) -> FastAPI:
        app = FastAPI()

        @app.api_route("/{path:path}", methods=["GET", "POST", "PUT"])
        async def dispatch(path: str, request: Request) -> Response:
            key = self.storage.key_of(request.headers.get("authorization", ""))
            with self._lock:
                self.seen.append(Seen(request.method, "/" + path, key))
            body = await request.body()
            return self._route(request.method, "/" + path, key, dict(request.headers), body)

        return app

    def _route(self, method: str, path: str, key: str | None, headers: dict[str, str], body: bytes) -> Response:
        if path == "/_fake/stats":
            return JSONResponse(self.stats())
        forced = self.faults.get("video_status")
        if forced and method == "GET" and path.startswith("/files/") and path.endswith(".mp4"):
            return error_response(int(forced), "Gone")
        stored = self.storage.route(method, path, key, headers, body)
        if stored is not None:
            return stored
        if "/requests/" in path:
            job = self.jobs.get(path.split("/requests/")[1].split("/")[0])
            if job is None:
                return error_response(404, "Request not found")
            if path.endswith("/status"):
                return self._status(job)
            if path.endswith("/cancel") and method == "PUT":
                return self._cancel(job)
            return self._result(job)
        if method == "POST":
            return self._submit(path.lstrip("/"), key, body)
        return error_response(404, "Not found")

    def _authorized(self, key: str | None, fault: str) -> Response | None:
        """A forced status from `faults[fault]` first, then fal's 401 for an unknown key."""
        if forced := self.faults.get(fault):
            return error_response(int(forced), "Forced failure by the fake")
        if key not in self.valid_keys:
            return error_response(401, "Invalid Key Authorization header format or key")
        return None

    def _submit(self, endpoint: str, key: str | None, body: bytes) -> Response:
        self.submit_attempts += 1
        if self.submit_attempts <= int(self.faults.get("submit_429_times", 0)):
            return JSONResponse({"detail": "Rate limit exceeded"}, status_code=429)
        if refused := self._authorized(key, "submit_status"):
            return refused
        arguments = json.loads(body)
        fields = self.endpoints.get(endpoint)
        if fields is not None and (problems := fields.problems(arguments)):
            return error_response(422, problems)  # fal validates the input before it queues anything
        request_id = f"req-{next(self._ids):05d}"
        self.jobs[request_id] = FakeJob(request_id, endpoint, key, arguments, time.monotonic())
        self.jobs[request_id].fails = len(self.jobs) == self.faults.get("fail_job_number")
        if self.faults.pop("cut_after_submit", None):
            return CutShort()  # accepted here, but the client never hears so
        # fal's URLs drop the endpoint's sub-path: owner/app/requests/<id>.
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

    def _status(self, job: FakeJob) -> Response:
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

    def _cancel(self, job: FakeJob) -> Response:
        job.cancelled = True
        return JSONResponse({"status": "CANCELLATION_REQUESTED"}, status_code=202)

    def _result(self, job: FakeJob) -> Response:
        if job.cancelled:
            return error_response(400, "Request was cancelled")
        only = self.faults.get("result_endpoint")  # one endpoint failing while the others do not
        if job.fails:
            return error_response(500, "Internal error: the model crashed", job.request_id)
        if self.faults.get("result_status") and only in (None, job.endpoint):
            detail = self.faults.get("result_detail", "Internal error")
            return error_response(int(self.faults["result_status"]), detail, job.request_id)
        if is_tts(job.endpoint):  # text-to-speech endpoints answer {"audio": {...}} (tests/fakes/tts.py)
            return speech_result(job, self.storage)
        if is_stt(job.endpoint):  # speech-to-text answers {"text", "chunks", "languages"} (tests/fakes/stt.py)
            return transcript_result(job, self.storage, self.transcript)
        video, seconds = self._render(job)
        file = {
            "url": self.storage.keep(video),
            "content_type": "video/mp4",
            "file_name": video.name,
            "file_size": video.stat().st_size,
        }
        fields = self.endpoints.get(job.endpoint)
        if fields is not None and not fields.returns_duration:
            return JSONResponse({"video": file})  # billed from the video's own length
        return JSONResponse({"video": file, "duration": seconds})

    def _render(self, job: FakeJob) -> tuple[Path, float]:
        if self.fixed_video is not None:
            return self.fixed_video, self.fixed_video_seconds
        fields = self.endpoints.get(job.endpoint)
        media = fields.media if fields is not None else ("image_url", "audio_url")
        image, audio = (self.storage.path_of(job.arguments[name]) for name in media)
        return render_video(image, audio, self.storage.directory)
