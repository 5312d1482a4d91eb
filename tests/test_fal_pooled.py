"""The tuned fal client closes what it opened, so a visitor's one-call client leaves nothing behind."""

import asyncio

from components.backends.fal_pooled import PooledAsyncClient


def test_aclose_closes_the_clients_it_made_and_makes_none():
    async def scenario():
        untouched = PooledAsyncClient(key="k")
        await untouched.aclose()
        assert "_client" not in untouched.__dict__ and untouched._uploads is None

        used = PooledAsyncClient(key="k")
        main = await used._client
        async with used._cdn_client() as uploads:
            pass
        await used.aclose()
        assert main.is_closed and uploads.is_closed

    asyncio.run(scenario())
