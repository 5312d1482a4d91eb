"""The "Your runs" accordion: the runs kept in this browser as a gallery of thumbnails, and recover by request id.

A tile is a run's first frame (a placeholder while it runs at fal, or when its video is no longer here) with its
model, length, cost and date, newest first; a click opens it in the player with its download, as "Open this
run" did: the same handler and access checks, and a pending run is followed again to its video.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import gradio as gr

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.web.handlers import Handlers

HISTORY_STORAGE_KEY = "kling-avatar-studio-runs"
PRIVATE: dict[str, Any] = {"api_visibility": "private"}


@dataclass(frozen=True)
class HistoryPanel:
    history: gr.BrowserState
    gallery: gr.Gallery
    shown: gr.State  # which history entry each tile is, in the gallery's order
    request_id: gr.Textbox
    recover: gr.Button

    def refresh(self, handlers: Handlers, fal_key: gr.Textbox) -> dict[str, Any]:
        """The event that redraws the gallery from the history, for whatever changes the history (compare too)."""
        return {"fn": handlers.show, "inputs": [self.history, fal_key], "outputs": [self.gallery, self.shown]}


def history_panel(history_secret: str) -> HistoryPanel:
    """Inside the current Blocks: the accordion. Its events are wired by `history_events` once the page exists."""
    with gr.Accordion("📼 Your runs (kept in this browser)", open=True, elem_id="history_panel"):
        # A fixed storage key and, when configured, a fixed secret: history also survives restarts.
        history = gr.BrowserState([], storage_key=HISTORY_STORAGE_KEY, secret=history_secret)
        gallery = gr.Gallery(
            label="Newest first: click one to open it",
            elem_id="history",
            columns=3,
            fit_columns=False,
            allow_preview=False,
            object_fit="cover",
            interactive=False,
            buttons=[],
        )
        shown = gr.State([])
        with gr.Row():
            request_id = gr.Textbox(
                label="Recover by fal request id", placeholder="request id", elem_id="request_id", scale=3
            )
            recover = gr.Button("Recover", elem_id="recover", scale=1)
    return HistoryPanel(history, gallery, shown, request_id, recover)


def history_events(demo: gr.Blocks, handlers: Handlers, panel: HistoryPanel, page: dict[str, Any]) -> None:
    """`page`: video, status, last_run (the run record), fal_key, model."""
    history, fal_key = panel.history, page["fal_key"]
    shown_by = panel.refresh(handlers, fal_key)
    player = [page["video"], page["status"], page["last_run"]]
    # Every run record (a pending one the moment fal accepts, then the finished one) goes to the history.
    page["last_run"].change(handlers.remember, [history, page["last_run"]], history, **PRIVATE).then(
        **shown_by, **PRIVATE
    )
    # A page opened with runs still pending at fal follows them to their videos.
    demo.load(handlers.resume, inputs=[history, fal_key], outputs=player, show_progress="hidden", **PRIVATE)
    demo.load(**shown_by, **PRIVATE)
    panel.gallery.select(handlers.open_tile, [history, panel.shown, fal_key], player, show_progress="hidden", **PRIVATE)
    panel.recover.click(
        handlers.recover,
        inputs=[panel.request_id, page["model"], fal_key],
        outputs=player,
        api_name="recover",
        show_progress="hidden",
    )
