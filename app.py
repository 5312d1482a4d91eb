"""Kling Avatar Studio — composition root: settings → backends → studio → page → launch.

Importing this module builds the page (Spaces look for `demo`) and contacts
nothing. Address and port come from GRADIO_SERVER_NAME / GRADIO_SERVER_PORT.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import gradio as gr

from components.backends import build_backends
from components.errors import SettingsError
from components.runs import RunCache
from components.settings import DEFAULT_PATH, Settings, load_settings
from components.studio import Studio
from components.web.page import build_page

# Uploads larger than this never reach our code (Kling's own limits are far lower).
MAX_UPLOAD = "50mb"


def default_output_dir() -> Path:
    """A stable folder, so a visitor's history still finds its videos after a restart."""
    folder = Path(tempfile.gettempdir()) / "kling-avatar-studio" / "videos"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def build_studio(
    settings: Settings, server_key: str | None, output_dir: Path | None = None, finished_runs: RunCache | None = None
) -> Studio:
    backends = build_backends(settings, server_key, output_dir or default_output_dir())
    return Studio(settings, backends, finished_runs or RunCache())


def build_demo(
    settings: Settings,
    server_key: str | None,
    output_dir: Path | None = None,
    finished_runs: RunCache | None = None,
    environ: Mapping[str, str] = os.environ,
) -> gr.Blocks:
    studio = build_studio(settings, server_key, output_dir, finished_runs)
    # A fixed secret (set it on a Space) keeps the browser's run history readable across restarts.
    secret = environ.get("KLING_STUDIO_HISTORY_SECRET") or secrets.token_urlsafe(16)
    return build_page(studio, server_has_key=server_key is not None, history_secret=secret)


def mcp_setting(environ: Mapping[str, str]) -> bool | None:
    """On wherever gradio[mcp] is installed, unless Gradio's own GRADIO_MCP_SERVER decides (None)."""
    if "GRADIO_MCP_SERVER" in environ:
        return None
    return importlib.util.find_spec("mcp") is not None


def launch(demo: gr.Blocks, settings: Settings, environ: Mapping[str, str] = os.environ, **overrides: Any) -> Any:
    """Queue sized from space.yaml; run history off so a visitor's key is never kept in a browser."""
    demo.queue(default_concurrency_limit=settings.jobs.max_concurrent)
    options: dict[str, Any] = {
        "run_history": False,
        "max_file_size": MAX_UPLOAD,
        "theme": gr.themes.Soft(),
        "mcp_server": mcp_setting(environ),
    }
    options.update(overrides)
    return demo.launch(**options)


try:
    settings = load_settings(os.environ.get("KLING_STUDIO_SETTINGS") or DEFAULT_PATH)
except SettingsError as exc:
    raise SystemExit(f"Kling Avatar Studio cannot start: {exc}") from None
demo = build_demo(settings, server_key=os.environ.get("FAL_KEY") or None)

if __name__ == "__main__":
    launch(demo, settings)
