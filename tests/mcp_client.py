"""A real MCP client (the `mcp` package, streamable HTTP), as an agent would call the app's tools."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
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


def call_json(app_url: str, name: str, arguments: dict[str, Any], source: str | None = None, progress=None) -> dict:
    """Call a tool that answers one JSON document, as an agent on `source` (a loopback address of its own)."""
    texts = asyncio.run(asyncio.wait_for(_call_from(app_url + MCP_PATH, name, arguments, source, progress), 180))
    return json.loads(" ".join(texts))


def call_json_parts(app_url: str, name: str, arguments: dict[str, Any], progress=None) -> list[str]:
    """Call any tool with a progress callback (so Gradio streams progress notifications); the texts it returned."""
    return asyncio.run(asyncio.wait_for(_call_from(app_url + MCP_PATH, name, arguments, None, progress), 180))


def read_resource(app_url: str, uri: str) -> str:
    async def read() -> str:
        async with streamable_http_client(app_url + MCP_PATH) as (r, w, _), ClientSession(r, w) as session:
            await session.initialize()
            return (await session.read_resource(uri)).contents[0].text

    return asyncio.run(asyncio.wait_for(read(), 30))


async def _call_from(url: str, name: str, arguments: dict[str, Any], source: str | None, progress) -> list[str]:
    transport = httpx.AsyncHTTPTransport(local_address=source) if source else None
    async with (
        httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(60, read=300)) as http,
        streamable_http_client(url, http_client=http) as (read, write, _),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        result = await session.call_tool(name, arguments, progress_callback=progress)
    texts = [getattr(item, "text", "") for item in result.content]
    if result.isError:
        raise RuntimeError(" ".join(texts))
    return texts
