"""The private parts of fal_client the app relies on are still there, and the tuned client closes what it opened."""

import asyncio

import httpx
import pytest

from components.backends.fal_private import PRIVATE_PARTS, PooledAsyncClient, _NoReplayedSubmits


@pytest.mark.parametrize(("owner", "name"), PRIVATE_PARTS, ids=lambda part: getattr(part, "__name__", part))
def test_every_private_part_still_exists(owner, name):
    instance_attribute = name == "_transport"
    assert hasattr(httpx.AsyncClient() if instance_attribute else owner, name), f"{owner.__name__}.{name} is gone"


def test_the_queue_client_is_cached_where_aclose_looks_and_its_transport_is_guarded():
    async def scenario():
        client = PooledAsyncClient(key="k")
        queue = await client.guarded_queue_client()
        assert "_client" in vars(client)  # aclose relies on this cache slot
        assert isinstance(queue._transport, _NoReplayedSubmits)
        assert await client.guarded_queue_client() is queue  # wrapped once, not twice
        assert not isinstance(queue._transport._inner, _NoReplayedSubmits)
        await client.aclose()
        assert queue.is_closed

    asyncio.run(scenario())


def test_aclose_closes_the_clients_it_made_and_makes_none():
    async def scenario():
        untouched = PooledAsyncClient(key="k")
        await untouched.aclose()
        assert "_client" not in vars(untouched) and untouched._uploads is None

        used = PooledAsyncClient(key="k")
        main = await used._client
        async with used._cdn_client() as uploads:
            pass
        await used.aclose()
        assert main.is_closed and uploads.is_closed

    asyncio.run(scenario())
