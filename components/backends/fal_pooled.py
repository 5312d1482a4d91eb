"""fal_client's AsyncClient, tuned in two ways the app needs.

1. One HTTP client shared by its CDN uploads. fal_client 1.0.3 opens a fresh
   `httpx.AsyncClient` for every upload (`_cdn_client`), and each builds an SSL
   context: about 25 ms of CPU, a third of the app's CPU per generation
   (measured with bench/ and py-spy). The app uploads two files per job.
2. No replay of a submit that may have reached fal. fal_client retries every
   transport error, also a connection cut after fal accepted the job: that
   would queue, and charge, the job twice. Only a failure to connect is safe
   to retry.

Both override private parts of the pinned fal_client (`_cdn_client`, `_client`);
the integration tests drive the real upload and submit paths against the fake
fal, so a change there shows up.
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import AsyncIterator

import fal_client
import fal_client.client
import httpx
from asyncstdlib import cached_property as async_cached_property
from fal_client.client import USER_AGENT, AsyncBackupDomainTransport

# The request never left this machine: retrying it cannot queue a second job.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class SubmitOutcomeUnknown(Exception):
    """A submit failed after it may have reached fal. Deliberately not an httpx error,
    so fal_client's retry loop lets it through instead of sending the job again."""


class _NoReplayedSubmits(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport):
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
            response.status_code, headers=response.headers, stream=_GuardedBody(response.stream),
            extensions=response.extensions, request=request,
        )

    async def aclose(self) -> None:
        await self._inner.aclose()


class _GuardedBody(httpx.AsyncByteStream):
    def __init__(self, inner):
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

    @async_cached_property(asyncio.Lock)
    async def _client(self) -> httpx.AsyncClient:
        auth = await self._auth
        return httpx.AsyncClient(
            transport=_NoReplayedSubmits(AsyncBackupDomainTransport()),
            headers={"Authorization": auth.header_value, "User-Agent": USER_AGENT},
            timeout=self.default_timeout,
        )

    @asynccontextmanager
    async def _cdn_client(self) -> AsyncIterator[httpx.AsyncClient]:
        if self._uploads is None:
            self._uploads = httpx.AsyncClient(headers={"User-Agent": USER_AGENT}, timeout=self.default_timeout)
        yield self._uploads

    async def aclose(self) -> None:
        """Close the connections this client opened (creating nothing just to close it)."""
        if "_client" in self.__dict__:  # asyncstdlib caches the made client under its name
            await (await self._client).aclose()
        if self._uploads is not None:
            await self._uploads.aclose()
