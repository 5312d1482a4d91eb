"""Shared by the tests and the benchmark."""

from __future__ import annotations

import dataclasses

from components.settings import Budget, Settings, load_settings
from components.ui import launch

SERVER_KEY = "server-key-id:server-secret-1234"
VISITOR_KEY = "visitor-key-id:visitor-secret-5678"


UNLIMITED = Budget(1e6, 1e6, 1e9, 1e9)


def fast_settings(budget: Budget = UNLIMITED, **jobs) -> Settings:
    """space.yaml with a quick poll, a short timeout and (unless given) no budget limit, for a fake fal."""
    settings = load_settings()
    values = {"poll_interval_seconds": 0.1, "timeout_seconds": 20, "max_concurrent": 50, **jobs}
    return dataclasses.replace(settings, jobs=dataclasses.replace(settings.jobs, **values), budget=budget)


def launch_local(demo, settings: Settings) -> str:
    _, url, _ = launch(demo, settings, prevent_thread_lock=True, server_name="127.0.0.1", quiet=True)
    return url
