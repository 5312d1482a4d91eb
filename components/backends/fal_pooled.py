"""fal_client's AsyncClient, with one HTTP client shared by its CDN uploads.

fal_client 1.0.3 opens a fresh `httpx.AsyncClient` for every upload
(`AsyncClient._cdn_client`), and each one builds an SSL context: about 25 ms of
CPU, a third of the app's CPU per generation (measured with bench/, py-spy).
The app uploads two files per job, so it shares one client instead. This
overrides a private method of the pinned fal_client; the integration tests
drive the real upload path against the fake fal, so a change there shows up.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import AsyncIterator

import fal_client
import httpx
from fal_client.client import USER_AGENT


@dataclass(unsafe_hash=True)
class PooledAsyncClient(fal_client.AsyncClient):
    _uploads: httpx.AsyncClient | None = field(default=None, repr=False, compare=False, hash=False)

    @asynccontextmanager
    async def _cdn_client(self) -> AsyncIterator[httpx.AsyncClient]:
        if self._uploads is None:
            self._uploads = httpx.AsyncClient(headers={"User-Agent": USER_AGENT}, timeout=self.default_timeout)
        yield self._uploads
