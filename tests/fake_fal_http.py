"""HTTP plumbing of the fake fal: error answers, a connection cut mid-answer, the loopback server."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn
from fastapi import Response
from fastapi.responses import JSONResponse


def error_response(status: int, detail: object, request_id: str | None = None) -> Response:
    # 5xx answers carry x-fal-request-id so fal_client does not retry them as gateway errors.
    headers = {"x-fal-request-id": request_id or "none"}
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


class CutShort(Response):
    """Promises a body, sends half, then drops the connection: a reset mid-poll."""

    async def __call__(self, scope, receive, send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"100")]})
        await send({"type": "http.response.body", "body": b'{"status": "IN_', "more_body": True})
        raise ConnectionResetError("fake fal dropped the connection")


class FakeFalServer:
    """Runs a FakeFal on a loopback port in a background thread."""

    def __init__(self, fake):
        self.fake = fake
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        port = self._socket.getsockname()[1]
        fake.base_url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(fake.app, log_level="warning", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True)

    def __enter__(self):
        self._thread.start()
        while not self._server.started:
            time.sleep(0.01)
        return self.fake

    def __exit__(self, *exc) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)
