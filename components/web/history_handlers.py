"""The page's history handlers: the run records kept in the browser, their gallery, re-open (a pending run:
followed again), and recover by request id."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from components.errors import InputRejected
from components.history.runs import from_entry, remember
from components.history.tiles import RunTiles
from components.studio import Studio
from components.web import wording
from components.web.edge import as_gradio_error, page_update, record_json, sentence, visitor_of
from components.web.escape import code


@dataclass(frozen=True)
class HistoryHandlers:
    studio: Studio = field(repr=False)

    def remember(self, history: list | None, last_run: str | None) -> list:
        """Append the finished run to the browser's history (only the fields of `Run`: never a key)."""
        if not last_run:
            return history or []
        return remember(history, from_entry(json.loads(last_run)))

    async def show(
        self, history: list | None, fal_key: str, request: gr.Request, profile: gr.OAuthProfile | None
    ) -> tuple[list[tuple[str, str]], list[int]]:
        """The gallery's tiles (first frame, caption), newest first, and which history entry each tile is."""
        with as_gradio_error("showing your runs"):
            visitor = visitor_of(request, profile, self.studio.identities)
            payer = self.studio.payer(visitor, fal_key)
            tiles = RunTiles(
                self.studio.posting.folder,
                self.studio.ledger.sightings.visible_to,
                lambda: self.studio.free_work.take(visitor.id),
            )
            shown = await asyncio.to_thread(tiles.tiles, history, payer.id)
            await asyncio.to_thread(self.studio.disk.sweep)
            return [(str(tile.picture), tile.caption) for tile in shown], [tile.index for tile in shown]

    async def open_tile(
        self,
        history: list | None,
        shown: list[int] | None,
        fal_key: str,
        evt: gr.SelectData,
        request: gr.Request,
        profile: gr.OAuthProfile | None,
    ) -> AsyncIterator[tuple[Any, str, Any]]:
        """A click on a tile: a finished run re-opened (as Open this run did), a pending one followed to its video."""
        tile = evt.index if isinstance(evt.index, int) else -1
        index = shown[tile] if shown and 0 <= tile < len(shown) else None
        entry = history[index] if index is not None and history and 0 <= index < len(history) else None
        if not (isinstance(entry, dict) and entry.get("state") == "pending"):
            video, status = await self.reopen(history, index, fal_key, request, profile)
            yield video, status, gr.skip()
            return
        visitor = visitor_of(request, profile, self.studio.identities)
        try:
            async with contextlib.aclosing(self.studio.resume(entry, fal_key, visitor)) as events:
                async for event in events:
                    yield page_update(event)
        except Exception as exc:
            yield gr.skip(), wording.failed(sentence(exc, "following a run")), gr.skip()

    async def reopen(
        self,
        history: list | None,
        index: int | None,
        fal_key: str,
        request: gr.Request,
        profile: gr.OAuthProfile | None,
    ) -> tuple[Any, str]:
        """Show a past video: the local copy if it is still here, else fal's stored result."""
        with as_gradio_error("re-opening a run"):
            if index is None or not history or not 0 <= index < len(history):
                raise InputRejected("Pick a run from your history first.")
            payer = self.studio.payer(visitor_of(request, profile, self.studio.identities), fal_key)
            found = await self.studio.library.reopen(history[index], payer)
            return str(found.video), wording.reopened(found.run, recovered=found.recovered)

    async def recover(
        self, request_id: str, model: str, fal_key: str, request: gr.Request, profile: gr.OAuthProfile | None
    ) -> AsyncIterator[tuple[Any, str, Any]]:
        """Fetch a finished fal job's video again by its request id. Free: nothing is generated or charged.

        Args:
            request_id: The fal request id of a finished job (shown when the job was accepted).
            model: The endpoint the job ran on, e.g. "fal-ai/kling-video/ai-avatar/v2/pro" (tried first; others follow).
            fal_key: The fal key that ran the job; empty for jobs this app ran on its own key.

        Returns:
            The MP4 video, a Markdown status with its length and cost, and the run's record.
        """
        yield None, f"⏳ Recovering {code((request_id or '').strip())} from fal…", gr.skip()  # nothing stale stays
        try:
            payer = self.studio.payer(visitor_of(request, profile, self.studio.identities), fal_key)
            found = await self.studio.library.recover(request_id, model, payer)
        except Exception as exc:
            said = sentence(exc, "recovering a result")
            yield None, wording.failed(said), gr.skip()
            raise gr.Error(said, visible=False, print_exception=False) from None
        yield str(found.video), wording.reopened(found.run, recovered=True), record_json(found.run)
