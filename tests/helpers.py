"""Constants and the one way the tests launch the app (in-process, `prevent_thread_lock=True`) and close it."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from pathlib import Path

from app import build_demo, launch
from components.runs import RunCache
from components.settings import Budget, Settings, load_settings

SERVER_KEY = "server-key-id:server-secret-1234"
VISITOR_KEY = "visitor-key-id:visitor-secret-5678"
PRO = "fal-ai/kling-video/ai-avatar/v2/pro"
STANDARD = "fal-ai/kling-video/ai-avatar/v2/standard"
PREVIEW = "local/preview"

UNLIMITED = Budget(1e6, 1e6, 1e9, 1e9)


def fast_settings(budget: Budget = UNLIMITED, **jobs) -> Settings:
    """space.yaml with a quick poll, a short timeout and (unless given) no budget limit, for a fake fal."""
    settings = load_settings()
    values = {"poll_interval_seconds": 0.1, "timeout_seconds": 20, "max_concurrent": 50, **jobs}
    return dataclasses.replace(settings, jobs=dataclasses.replace(settings.jobs, **values), budget=budget)


@contextlib.contextmanager
def running_app(
    settings: Settings, server_key: str | None, output_dir: Path, finished_runs: RunCache | None = None
) -> Iterator[str]:
    """The app on a free loopback port; yields its URL and closes it afterwards."""
    demo = build_demo(settings, server_key=server_key, output_dir=output_dir, finished_runs=finished_runs)
    try:
        _, url, _ = launch(demo, settings, prevent_thread_lock=True, server_name="127.0.0.1", quiet=True)
        yield url
    finally:
        demo.close()
