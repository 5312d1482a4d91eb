"""Kling Avatar Studio — composition root: settings → backends → UI → launch.

Importing this module builds the page (Spaces look for `demo`) and contacts
nothing. Address and port come from GRADIO_SERVER_NAME / GRADIO_SERVER_PORT.
"""

import os

import gradio as gr

from components.backends.fal import FalBackend
from components.handlers import Handlers
from components.settings import DEFAULT_PATH, Settings, load_settings
from components.ui import build_ui, launch


def build_demo(settings: Settings, server_key: str | None) -> gr.Blocks:
    fal = FalBackend(
        server_key=server_key,
        poll_interval=settings.jobs.poll_interval_seconds,
        timeout=settings.jobs.timeout_seconds,
    )
    handlers = Handlers(settings=settings, backends={m.endpoint: fal for m in settings.models})
    return build_ui(settings, handlers, server_has_key=server_key is not None)


settings = load_settings(os.environ.get("KLING_STUDIO_SETTINGS") or DEFAULT_PATH)
demo = build_demo(settings, server_key=os.environ.get("FAL_KEY") or None)

if __name__ == "__main__":
    launch(demo, settings)
