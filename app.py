"""Kling Avatar Studio — composition root: settings → folders → backends → studio → page → launch.

Importing this module builds the page (Spaces look for `demo`) and contacts
nothing remote. Address and port come from GRADIO_SERVER_NAME / GRADIO_SERVER_PORT.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import secrets
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import gradio as gr

from components.backends import build_backends
from components.config.settings import DEFAULT_PATH, Settings, load_settings
from components.errors import SettingsError
from components.history.runs import RunCache
from components.history.storage import DiskBudget, data_folder, ensure_writable, videos_folder
from components.inputs.yunet import self_check
from components.spending.free_work import FreeWork
from components.spending.identity import UVICORN_TRUSTS_NO_PROXY, Identities
from components.spending.ledger import Ledger
from components.studio import Studio
from components.web import assets
from components.web.page import build_page
from components.web.uploads import gradio_cache, kept_by_gradio, upload_limit

log = logging.getLogger("kling_studio")
# Uploads larger than this never reach our code (Kling's own limits are far lower).
MAX_UPLOAD = "50mb"
# The start-up check of the face detector looks at this photo (one detection, ~20 ms).
EXAMPLE_FACE = Path(__file__).resolve().parent / "examples" / "astronaut.jpg"
# Gradio's cache (uploads, and its copy of each file shown): Gradio deletes its files older than 2 h every
# 15 min; space.yaml's `storage.max_mb` bounds it, the videos and the spoken scripts together (DiskBudget).
DELETE_CACHE = (900, 7200)


def build_studio(
    settings: Settings,
    server_key: str | None,
    output_dir: Path | None = None,
    finished_runs: RunCache | None = None,
    data_dir: Path | None = None,
    environ: Mapping[str, str] = os.environ,
) -> Studio:
    self_check(EXAMPLE_FACE)  # before anything else: a face check that quietly finds nothing would refuse everyone
    videos = ensure_writable(output_dir or videos_folder(), "finished videos")
    disk = DiskBudget(settings.storage, videos, cache=gradio_cache())
    disk.sweep()
    if data_dir is None:
        found = data_folder(environ)
        data_dir = found.path
        kept = "kept across restarts" if found.survives_restart else "LOST at every restart (enable persistent storage)"
        log.warning("Spend ledger in %s (%s): %s", found.path, found.why, kept)
    ledger = Ledger(ensure_writable(data_dir, "the spend ledger") / "ledger.sqlite3")
    backends = build_backends(settings, server_key, videos)
    identities = Identities(on_space=bool(environ.get("SPACE_ID")), trusted_proxies=settings.trusted_proxies)
    return Studio(
        settings,
        backends,
        ledger,
        finished_runs or RunCache(),
        login_offered=_on_space_with_login(environ),
        identities=identities,
        free_work=FreeWork(settings.free_per_visitor_per_minute),
        disk=disk,
    )


def build_demo(
    settings: Settings,
    server_key: str | None,
    output_dir: Path | None = None,
    finished_runs: RunCache | None = None,
    data_dir: Path | None = None,
    environ: Mapping[str, str] = os.environ,
) -> tuple[gr.Blocks, Studio]:
    studio = build_studio(settings, server_key, output_dir, finished_runs, data_dir, environ)
    # A fixed secret (set it on a Space) keeps the browser's run history readable across restarts.
    secret = environ.get("KLING_STUDIO_HISTORY_SECRET") or secrets.token_urlsafe(16)
    page = build_page(
        studio,
        server_has_key=server_key is not None,
        history_secret=secret,
        login_offered=_on_space_with_login(environ),
        delete_cache=DELETE_CACHE,
    )
    studio.disk.keep(kept_by_gradio(page))  # the examples' copies in Gradio's cache stay
    return page, studio


def _following(studio: Studio) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        followed = studio.resume_owner_jobs()
        if followed:
            log.warning("Following %d job(s) on the app's key that were running when it stopped", followed)
        yield

    return lifespan


def _on_space_with_login(environ: Mapping[str, str]) -> bool:
    """`hf_oauth: true` in the README's front matter makes Spaces set OAUTH_CLIENT_ID."""
    return bool(environ.get("SPACE_ID") and environ.get("OAUTH_CLIENT_ID"))


def mcp_setting(environ: Mapping[str, str]) -> bool | None:
    """On wherever gradio[mcp] is installed, unless Gradio's own GRADIO_MCP_SERVER decides (None)."""
    if "GRADIO_MCP_SERVER" in environ:
        return None
    return importlib.util.find_spec("mcp") is not None


def launch(demo: gr.Blocks, studio: Studio, environ: Mapping[str, str] = os.environ, **overrides: Any) -> Any:
    """Queue sized from space.yaml; run history off so a visitor's key is never kept in a browser;
    at start-up, owner-key jobs that were running when the app stopped are followed to their videos."""
    settings = studio.settings
    jobs = settings.jobs
    demo.queue(default_concurrency_limit=settings.jobs.max_concurrent)
    options: dict[str, Any] = {
        "run_history": False,
        "max_file_size": MAX_UPLOAD,
        "theme": assets.THEME,
        "css": assets.CSS,
        "head": assets.head(environ.get("SPACE_HOST")),
        # The finished videos, for the URLs agents' job results give (named by request id: unguessable).
        "allowed_paths": [assets.SCREENSHOT, *{str(b.output_dir) for b in studio.backends.values()}],
        "mcp_server": mcp_setting(environ),
        # Gradio runs at most max_threads queued events at once (default 40), async ones included: jobs waiting
        # at fal must not hold every slot, or estimates and other events queue behind them.
        "max_threads": jobs.max_concurrent + jobs.max_concurrent_owner + jobs.max_concurrent_previews + 40,
        "app_kwargs": {
            "lifespan": _following(studio),
            # Raw uploads need no key and no event: counted as free work before Gradio reads them.
            "middleware": [upload_limit(studio)],
        },
    }
    options.update(overrides)
    # Before uvicorn starts: it must not rewrite the client address from headers (identity.py decides).
    os.environ.update(UVICORN_TRUSTS_NO_PROXY)
    return demo.launch(**options)


try:
    settings = load_settings(os.environ.get("KLING_STUDIO_SETTINGS") or DEFAULT_PATH)
    demo, studio = build_demo(settings, server_key=os.environ.get("FAL_KEY") or None)
except SettingsError as exc:
    raise SystemExit(f"Kling Avatar Studio cannot start: {exc}") from None

if __name__ == "__main__":
    launch(demo, studio)
