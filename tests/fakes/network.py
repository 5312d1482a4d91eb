"""A network between the app and the fake fal: round-trip latency, a shared uplink, new-connection handshakes.

ASGI middleware around `FakeFal.app`, off unless asked for (bench/fake_server.py turns it on from
FAKE_RTT_MS, FAKE_UPLINK_MBIT and FAKE_HANDSHAKE_RTTS). Each request costs what it would from a Space
to fal: `handshake_rtts` round trips when it opens a new connection (TCP, then TLS 1.3: 2), half a
round trip to arrive, its body's time on the uplink (shared by every request in flight, first come
first served, so parallel uploads split the bandwidth), then half a round trip for the answer to
come back. The fake's own `/_fake/` paths (the benchmark's reads) cross no network.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Message, Receive, Scope, Send


@dataclass
class Network:
    app: ASGIApp
    rtt_seconds: float = 0.0
    uplink_bytes_per_second: float | None = None  # None: unlimited
    handshake_rtts: int = 0
    # Every request as it left the app: {at (time.monotonic, shared by all processes), method, path,
    # bytes, new_connection}; the benchmark picks those of one Generate by time.
    log: list[dict] = field(default_factory=list, repr=False)
    _seen: set = field(default_factory=set, repr=False)
    _link_free_at: float = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == "/_fake/network":
            await _answer_json(send, {"rtt_seconds": self.rtt_seconds, "log": self.log})
            return
        if scope["path"].startswith("/_fake/"):
            await self.app(scope, receive, send)
            return
        sent_at = time.monotonic()
        body, more = await _read_body(receive)
        connection = tuple(scope.get("client") or ())
        new = connection not in self._seen
        self._seen.add(connection)
        entry = {"at": sent_at, "method": scope["method"], "path": scope["path"], "bytes": len(body)}
        self.log.append({**entry, "new_connection": new})
        delay = self.rtt_seconds / 2 + (self.handshake_rtts * self.rtt_seconds if new else 0.0)
        await asyncio.sleep(delay)
        await self._transmit(len(body))
        await self.app(scope, _replay(body, more, receive), self._delayed(send))

    async def _transmit(self, size: int) -> None:
        """The body's time on the uplink, queued behind whatever is already being sent."""
        if not size or not self.uplink_bytes_per_second:
            return
        now = time.monotonic()
        self._link_free_at = max(now, self._link_free_at) + size / self.uplink_bytes_per_second
        await asyncio.sleep(self._link_free_at - now)

    def _delayed(self, send: Send) -> Send:
        async def delayed(message: Message) -> None:
            if message["type"] == "http.response.start":
                await asyncio.sleep(self.rtt_seconds / 2)
            await send(message)

        return delayed


async def _read_body(receive: Receive) -> tuple[bytes, Message | None]:
    """The whole request body; also a disconnect that arrived instead, to hand on to the app."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), message
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), None


def _replay(body: bytes, early: Message | None, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return early or await receive()

    return replay


async def _answer_json(send: Send, payload: dict) -> None:
    body = json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
