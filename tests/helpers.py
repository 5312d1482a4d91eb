"""Constants and the one way the tests launch the app (in-process, `prevent_thread_lock=True`) and close it."""

from __future__ import annotations

import contextlib
import dataclasses
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from app import build_demo, launch
from components.config.settings import Budget, Settings, load_settings
from components.history.runs import RunCache

SERVER_KEY = "server-key-id:server-secret-1234"
VISITOR_KEY = "visitor-key-id:visitor-secret-5678"
PRO = "fal-ai/kling-video/ai-avatar/v2/pro"
STANDARD = "fal-ai/kling-video/ai-avatar/v2/standard"
PREVIEW = "local/preview"

UNLIMITED = Budget(
    max_seconds_per_request=1e6,
    max_dollars_per_request=1e6,
    max_dollars_per_visitor_per_day=1e9,
    max_jobs_per_visitor_at_once=1000,
    max_dollars_per_day=1e9,
    owner_key_requires_login=False,
    max_dollars_per_day_anonymous=1e9,
)


def fast_settings(budget: Budget = UNLIMITED, free_per_minute: int = 1_000_000, **jobs) -> Settings:
    """space.yaml with a quick poll, a short timeout and (unless given) no budget limit, for a fake fal.

    Every test calls from 127.0.0.1, so the free-work limit is off unless a test asks for one."""
    settings = load_settings()
    values = {"poll_interval_seconds": 0.1, "timeout_seconds": 20, "max_concurrent": 50, "max_concurrent_owner": 50}
    values.update(jobs)
    jobs_settings = dataclasses.replace(settings.jobs, **values)
    return dataclasses.replace(settings, jobs=jobs_settings, budget=budget, free_per_visitor_per_minute=free_per_minute)


@contextlib.contextmanager
def running_app(
    settings: Settings,
    server_key: str | None,
    output_dir: Path,
    finished_runs: RunCache | None = None,
    data_dir: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """The app on a free loopback port; yields its URL and closes it afterwards.

    Each launch gets a ledger of its own unless `data_dir` is given (a restart on the same data);
    `environ` stands for the process environment (e.g. SPACE_ID: as on a Space, behind its proxy)."""
    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="kling-data-"))
    environ = environ or {}
    demo, studio = build_demo(settings, server_key, output_dir, finished_runs, data_dir, environ=environ)
    # The apps of one test process share Gradio's cache, and Gradio deletes the files an app made when it closes:
    # the examples' copies are the same files in every app, so one test's app would take the session app's.
    demo.delete_cache = None
    try:
        _, url, _ = launch(demo, studio, environ=environ, prevent_thread_lock=True, server_name="127.0.0.1", quiet=True)
        yield url
    finally:
        demo.close()
