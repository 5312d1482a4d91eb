"""Gradio's side of free work: raw uploads counted per visitor, and Gradio's cache under the disk budget.

Anyone may POST files to `/gradio_api/upload` without a key or an event, so the limit sits in front of
that route, in a small ASGI middleware given to `launch(app_kwargs={"middleware": …})`. A refused upload
is answered before its body is read (nothing reaches the disk); the page's upload shows the answer's text.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import gradio as gr
from gradio.processing_utils import save_file_to_cache
from gradio.utils import get_upload_folder
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse

from components.errors import StudioError
from components.studio import Studio
from components.web.edge import visitor_of
from components.web.panels import EXAMPLE_ROWS, EXAMPLES

log = logging.getLogger("kling_studio")

UPLOAD_PATH = "/gradio_api/upload"
Scope = MutableMapping[str, Any]
Asgi = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]


def gradio_cache() -> Path:
    """Where Gradio keeps uploads and its copy of every file it shows (GRADIO_TEMP_DIR, else <tmp>/gradio)."""
    return Path(get_upload_folder())


def kept_by_gradio(demo: gr.Blocks) -> set[str]:
    """Files the page needs for as long as it runs, which the disk budget must leave alone: those Gradio keeps
    (the examples' thumbnails, default values) and its copies of the example files, handed out on a click."""
    kept: set[str] = set(getattr(demo, "keep_in_cache", set()))
    for block in demo.blocks.values():
        kept.update(getattr(block, "keep_in_cache", set()))
    examples = {EXAMPLES / name for row in EXAMPLE_ROWS for name in row[:2]}
    # The same call Gradio made for them: it returns the existing copy (by content hash), or makes it again.
    kept.update(save_file_to_cache(path, str(gradio_cache())) for path in examples if path.is_file())
    return kept


def upload_limit(studio: Studio) -> Middleware:
    return Middleware(UploadLimit, studio=studio)


class UploadLimit:
    """Each POST to Gradio's upload route is one free action of the caller (by address, as `visitor_of` says)."""

    def __init__(self, app: Asgi, studio: Studio) -> None:
        self.app = app
        self.studio = studio
        self._sweeping = False

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not scope["path"].endswith(UPLOAD_PATH):
            await self.app(scope, receive, send)
            return
        visitor = visitor_of(gr.Request(request=Request(scope)), None, self.studio.identities)
        try:
            self.studio.free_work.take(visitor.id)
        except StudioError as refused:
            await PlainTextResponse(str(refused), status_code=429)(scope, receive, send)
            return
        await self.app(scope, receive, send)
        self._sweep_soon()

    def _sweep_soon(self) -> None:
        """One sweep at a time, off the event loop and after the answer: uploads come in bursts."""
        if self._sweeping:
            return
        self._sweeping = True
        done = asyncio.get_running_loop().run_in_executor(None, self.studio.disk.sweep)
        done.add_done_callback(self._swept)

    def _swept(self, done: asyncio.Future) -> None:
        self._sweeping = False
        failed = None if done.cancelled() else done.exception()
        if failed is not None:
            log.error("the disk sweep after an upload failed: %s", type(failed).__name__)
