"""Kling Avatar Studio — composition root: settings → backends → UI → launch.

Importing this module builds the page (Spaces look for `demo`) and contacts
nothing. Address and port come from GRADIO_SERVER_NAME / GRADIO_SERVER_PORT.
"""

import os
from pathlib import Path

import gradio as gr

from components.backends.download import default_output_dir
from components.backends.fal import FalBackend
from components.backends.preview import PreviewBackend
from components.errors import SettingsError
from components.handlers import Handlers
from components.history import RunCache
from components.history_handlers import HistoryHandlers
from components.settings import DEFAULT_PATH, Settings, load_settings
from components.ui import build_page, launch
from components.wiring import wire


def build_demo(
    settings: Settings, server_key: str | None, output_dir: Path | None = None, finished_runs: RunCache | None = None
) -> gr.Blocks:
    videos = output_dir or default_output_dir()
    fal = FalBackend(
        server_key=server_key,
        poll_interval=settings.jobs.poll_interval_seconds,
        timeout=settings.jobs.timeout_seconds,
        output_dir=videos,
    )
    preview = PreviewBackend(output_dir=videos)
    backends = {m.endpoint: preview if m.backend == "preview" else fal for m in settings.models}
    with gr.Blocks(title="Kling Avatar Studio") as demo:
        page = build_page(settings, server_has_key=server_key is not None)
        handlers = Handlers(settings, backends, finished_runs or RunCache())
        wire(demo, page, settings, handlers, HistoryHandlers(settings, backends))
    return demo


try:
    settings = load_settings(os.environ.get("KLING_STUDIO_SETTINGS") or DEFAULT_PATH)
except SettingsError as exc:
    raise SystemExit(f"Kling Avatar Studio cannot start: {exc}") from None
demo = build_demo(settings, server_key=os.environ.get("FAL_KEY") or None)

if __name__ == "__main__":
    launch(demo, settings)
