"""HTTP plumbing of the fake fal: error answers, a connection cut mid-answer, the loopback server.

Kept apart from the protocol so `FakeFal` and `FakeStorage` can share the error shape without
importing each other, and so the server can run any ASGI app that has a settable `base_url`.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import TYPE_CHECKING

import uvicorn
from fastapi import Response
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

if TYPE_CHECKING:
    from tests.fakes.fal import FakeFal


def error_response(status: int, detail: object, request_id: str | None = None) -> Response:
    """fal's error body; `detail` may be a string or a list of `{loc, msg, type}` like a real 422."""
    # 5xx answers carry x-fal-request-id so fal_client does not retry them as gateway errors.
    headers = {"x-fal-request-id": request_id or "none"}
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


class CutShort(Response):
    """Promises a body, sends half, then drops the connection: a reset mid-poll.

    A plain error status would not do: the app must cope with the transport failing after fal
    has already acted on the request (a submit accepted but never acknowledged).
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"100")]})
        await send({"type": "http.response.body", "body": b'{"status": "IN_', "more_body": True})
        raise ConnectionResetError("fake fal dropped the connection")


class FakeFalServer:
    """Runs a FakeFal on a loopback port in a background thread.

    The socket is bound before the server starts so the fake knows its own base URL (it hands
    out absolute status/result/file URLs) before the first request arrives. `app` serves the fake
    through something else (the benchmark's network model, tests/fakes/network.py); a longer
    `keep_alive_seconds` leaves closing idle connections to the client (httpx closes its own after 5 s).
    """

    def __init__(self, fake: FakeFal, app: ASGIApp | None = None, keep_alive_seconds: int = 5) -> None:
        self.fake = fake
        # proto=TCP, not socket()'s 0: asyncio turns Nagle off only on sockets whose proto says TCP, and
        # with Nagle on, every answer after a connection's first waited ~40 ms for a delayed ACK.
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.bind(("127.0.0.1", 0))
        port = self._socket.getsockname()[1]
        fake.base_url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(
            app or fake.app, log_level="warning", access_log=False, timeout_keep_alive=keep_alive_seconds
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True)

    def __enter__(self) -> FakeFal:
        self._thread.start()
        while not self._server.started:
            time.sleep(0.01)
        return self.fake

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)
