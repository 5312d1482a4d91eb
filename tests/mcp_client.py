"""A real MCP client (the `mcp` package, streamable HTTP), as an agent would call the app's tools."""

from __future__ import annotations

import asyncio
from typing import Any

from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

MCP_PATH = "gradio_api/mcp/"


def call_tool(app_url: str, name: str, arguments: dict[str, Any], timeout: float = 180) -> list[str]:
    """Call one tool; return the text of each content item. A tool error raises RuntimeError with its text."""
    return asyncio.run(asyncio.wait_for(_call(app_url + MCP_PATH, name, arguments), timeout))


def list_tools(app_url: str) -> dict[str, Any]:
    return asyncio.run(asyncio.wait_for(_list(app_url + MCP_PATH), 30))


async def _call(url: str, name: str, arguments: dict[str, Any]) -> list[str]:
    async with streamable_http_client(url) as (read, write, _), ClientSession(read, write) as session:
        await session.initialize()
        result = await session.call_tool(name, arguments)
    texts = [getattr(item, "text", None) or str(getattr(item, "resource", item)) for item in result.content]
    if result.isError:
        raise RuntimeError(" ".join(texts))
    return texts


async def _list(url: str) -> dict[str, Any]:
    async with streamable_http_client(url) as (read, write, _), ClientSession(read, write) as session:
        await session.initialize()
        return {tool.name: tool for tool in (await session.list_tools()).tools}
