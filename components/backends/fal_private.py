"""Every private part of fal_client 1.0.3 the app relies on, named in one place.

`PRIVATE_PARTS` lists them and tests/test_fal_private.py fails as soon as an
upgraded fal_client (or httpx) no longer has one, instead of the app quietly
losing what they buy:

1. One HTTP client shared by CDN uploads (`AsyncClient._cdn_client`, overridden).
   fal_client opens a fresh `httpx.AsyncClient` per upload, and each builds an
   SSL context: about 25 ms of CPU, a third of the app's CPU per generation
   (measured with bench/ and py-spy). The app uploads two files per job.
2. No replay of a submit that may have reached fal. fal_client retries every
   transport error, also a connection cut after fal accepted the job: that
   would queue, and charge, the job twice. Upstream's own queue client
   (`AsyncClient._client`, read, never rebuilt, so headers upstream adds are
   kept) gets its transport (`httpx.AsyncClient._transport`) wrapped before the
   first submit. Only a failure to connect is then retried.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import fal_client
import fal_client.client
import httpx
from fal_client.client import USER_AGENT

PRIVATE_PARTS = (
    (fal_client.AsyncClient, "_client"),
    (fal_client.AsyncClient, "_cdn_client"),
    (httpx.AsyncClient, "_transport"),
)

# The request never left this machine: retrying it cannot queue a second job.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class SubmitOutcomeUnknown(Exception):
    """A submit failed after it may have reached fal. Deliberately not an httpx error,
    so fal_client's retry loop lets it through instead of sending the job again."""


class _NoReplayedSubmits(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        is_submit = request.method == "POST" and str(request.url).startswith(fal_client.client.QUEUE_URL_FORMAT)
        try:
            response = await self._inner.handle_async_request(request)
        except _NOT_SENT:
            raise
        except httpx.TransportError as exc:
            if is_submit:
                raise SubmitOutcomeUnknown(type(exc).__name__) from None
            raise
        if not is_submit:
            return response
        # The answer's body is read later, outside this call: a cut there is just as ambiguous.
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_GuardedBody(response.stream),
            extensions=response.extensions,
            request=request,
        )

    async def aclose(self) -> None:
        await self._inner.aclose()


class _GuardedBody(httpx.AsyncByteStream):
    def __init__(self, inner: Any) -> None:
        self._inner = inner

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._inner:
                yield chunk
        except httpx.TransportError as exc:
            raise SubmitOutcomeUnknown(type(exc).__name__) from None

    async def aclose(self) -> None:
        await self._inner.aclose()


@dataclass(unsafe_hash=True)
class PooledAsyncClient(fal_client.AsyncClient):
    _uploads: httpx.AsyncClient | None = field(default=None, repr=False, compare=False, hash=False)

    async def submit(self, application: str, arguments: Any, **options: Any) -> fal_client.AsyncRequestHandle:
        """fal_client's own submit, on a transport that will not send the job twice."""
        await self.guarded_queue_client()
        return await super().submit(application, arguments, **options)

    async def guarded_queue_client(self) -> httpx.AsyncClient:
        queue = await self._client
        if not isinstance(queue._transport, _NoReplayedSubmits):
            queue._transport = _NoReplayedSubmits(queue._transport)
        return queue

    @asynccontextmanager
    async def _cdn_client(self) -> AsyncIterator[httpx.AsyncClient]:
        if self._uploads is None:
            # Idle connections kept two minutes (httpx's default is 5 s): the next visitor's upload then
            # skips the TCP + TLS handshake, two round trips from a Space to fal's CDN.
            kept = httpx.Limits(keepalive_expiry=120)
            self._uploads = httpx.AsyncClient(
                headers={"User-Agent": USER_AGENT}, timeout=self.default_timeout, limits=kept
            )
        yield self._uploads

    async def aclose(self) -> None:
        """Close the connections this client opened (creating nothing just to close it)."""
        if "_client" in vars(self):  # fal_client caches the made queue client under its name
            await (await self._client).aclose()
        if self._uploads is not None:
            await self._uploads.aclose()
