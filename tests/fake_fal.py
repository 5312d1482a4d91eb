"""A local fake of fal's queue + storage HTTP protocol, for the real fal_client.

It answers what `AsyncClient.upload_file`, `subscribe`, `result` and `cancel`
send (see shared/NOTES.md), records every request with the key it carried,
and can be told to misbehave through `FakeFal.faults`. The "model" turns the
uploaded voice into an mp4 exactly as long as the audio.
"""

from __future__ import annotations

import hashlib
import json
import itertools
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from PIL import Image

from tests.media_factory import probe_seconds


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


@dataclass
class FakeFal:
    valid_keys: set[str] = field(default_factory=set)
    queue_seconds: float = 0.3
    run_seconds: float = 0.5
    faults: dict[str, object] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    jobs: dict[str, FakeJob] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    uploaders: dict[str, str] = field(default_factory=dict)
    submit_attempts: int = 0
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
        return _error(404, "Not found")

    def _key_of(self, request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme == "Key":
            return value
        return self._tokens.get(value)

    def _authorized(self, key: str | None, fault: str) -> Response | None:
        forced = self.faults.get(fault)
        if forced:
            return _error(int(forced), "Forced failure by the fake")
        if key not in self.valid_keys:
            return _error(401, "Invalid Key Authorization header format or key")
        return None

    def _token(self, key: str | None) -> Response:
        refused = self._authorized(key, "token_status")
        if refused:
            return refused
        token = f"tok-{next(self._ids)}"
        self._tokens[token] = key
        expires = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()
        return JSONResponse({"token": token, "token_type": "Bearer", "base_url": self.base_url, "expires_at": expires})

    def _initiate(self, key: str | None, request: Request) -> Response:
        refused = self._authorized(key, "token_status")
        if refused:
            return refused
        name = f"{next(self._ids)}-upload.bin"
        return JSONResponse({"upload_url": f"{self.base_url}/files/{name}", "file_url": f"{self.base_url}/files/{name}"})

    def _store(self, key: str | None, body: bytes, name: str) -> Response:
        if key is None:
            return _error(401, "Invalid upload token")
        stored = f"{next(self._ids)}-{Path(name).name}"
        target = self._dir / stored
        target.write_bytes(body)
        self.files[stored] = target
        self.uploaders[stored] = key
        return JSONResponse({"access_url": f"{self.base_url}/files/{stored}"})

    def _serve_file(self, method: str, path: str, body: bytes) -> Response:
        name = path.removeprefix("/files/")
        if method == "PUT":
            (self._dir / name).write_bytes(body)
            self.files[name] = self._dir / name
            return Response(status_code=200)
        if name.endswith(".mp4") and self.faults.get("video_status"):
            return _error(int(self.faults["video_status"]), "Gone")
        if name not in self.files:
            return _error(404, "No such file")
        return FileResponse(self.files[name])

    def _submit(self, endpoint: str, key: str | None, request: Request, body: bytes) -> Response:
        self.submit_attempts += 1
        if self.submit_attempts <= int(self.faults.get("submit_429_times", 0)):
            return JSONResponse({"detail": "Rate limit exceeded"}, status_code=429)
        refused = self._authorized(key, "submit_status")
        if refused:
            return refused
        request_id = f"req-{next(self._ids):05d}"
        self.jobs[request_id] = FakeJob(request_id, endpoint, key, json.loads(body), time.monotonic())
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
            return _error(404, "Request not found")
        age = time.monotonic() - job.submitted
        if self.faults.pop("reset_next_status", None):
            return _CutShort()
        if job.cancelled or (age >= self.queue_seconds + self.run_seconds and not self.faults.get("never_complete")):
            return JSONResponse({"status": "COMPLETED", "logs": [], "metrics": {}})
        if age < self.queue_seconds:
            return JSONResponse({"status": "IN_QUEUE", "queue_position": 2 if age < self.queue_seconds / 2 else 0})
        logs = [{"message": f"Rendering frame batch {int(age * 10)}", "level": "INFO"}]
        return JSONResponse({"status": "IN_PROGRESS", "logs": logs})

    def _cancel(self, request_id: str) -> Response:
        job = self.jobs.get(request_id)
        if job is None:
            return _error(404, "Request not found")
        job.cancelled = True
        return JSONResponse({"status": "CANCELLATION_REQUESTED"}, status_code=202)

    def _result(self, request_id: str) -> Response:
        job = self.jobs.get(request_id)
        if job is None:
            return _error(404, "Request not found")
        if job.cancelled:
            return _error(400, "Request was cancelled")
        if self.faults.get("result_status"):
            detail = self.faults.get("result_detail", "Internal error")
            return _error(int(self.faults["result_status"]), detail, request_id)
        video, seconds = self._render(job)
        url = f"{self.base_url}/files/{video.name}"
        return JSONResponse(
            {
                "video": {"url": url, "content_type": "video/mp4", "file_name": video.name, "file_size": video.stat().st_size},
                "duration": seconds,
            }
        )

    def _render(self, job: FakeJob) -> tuple[Path, float]:
        """The fake model: the uploaded portrait as a small mp4 exactly as long as the uploaded audio."""
        audio = self._uploaded(job.arguments["audio_url"])
        image = self._uploaded(job.arguments["image_url"])
        seconds = round(probe_seconds(audio), 2)
        digest = hashlib.sha1(audio.read_bytes() + image.read_bytes()).hexdigest()[:12]
        video = self._dir / f"{digest}.mp4"
        if not video.exists():
            still = self._dir / f"{digest}.png"  # ffmpeg cannot loop every format fal takes (GIF)
            Image.open(image).convert("RGB").save(still)
            subprocess.run(
                ["ffmpeg", "-loglevel", "error", "-y", "-loop", "1", "-framerate", "10", "-i", str(still),
                 "-i", str(audio), "-t", f"{seconds}", "-vf", "scale=320:-2,format=yuv420p",
                 "-c:v", "libx264", "-preset", "ultrafast", "-tune", "stillimage", "-c:a", "aac", str(video)],
                check=True,
            )
        self.files[video.name] = video
        return video, seconds

    def _uploaded(self, url: str) -> Path:
        return self.files[url.rsplit("/", 1)[1]]


def _error(status: int, detail: object, request_id: str | None = None) -> Response:
    # 5xx answers carry x-fal-request-id so fal_client does not retry them as gateway errors.
    headers = {"x-fal-request-id": request_id or "none"}
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


class _CutShort(Response):
    """Promises a body, sends half, then drops the connection: a reset mid-poll."""

    async def __call__(self, scope, receive, send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"100")]})
        await send({"type": "http.response.body", "body": b'{"status": "IN_', "more_body": True})
        raise ConnectionResetError("fake fal dropped the connection")


class FakeFalServer:
    """Runs a FakeFal on a loopback port in a background thread."""

    def __init__(self, fake: FakeFal):
        self.fake = fake
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        port = self._socket.getsockname()[1]
        fake.base_url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(fake.app, log_level="warning", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True)

    def __enter__(self) -> FakeFal:
        self._thread.start()
        while not self._server.started:
            time.sleep(0.01)
        return self.fake

    def __exit__(self, *exc) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)
