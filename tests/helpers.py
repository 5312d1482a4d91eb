"""Shared by the tests and the benchmark."""

from __future__ import annotations

import dataclasses

from components.settings import Settings, load_settings
from components.ui import launch

SERVER_KEY = "server-key-id:server-secret-1234"
VISITOR_KEY = "visitor-key-id:visitor-secret-5678"


def fast_settings(**jobs) -> Settings:
    """space.yaml with a quick poll and a short timeout, for a fake fal."""
    settings = load_settings()
    values = {"poll_interval_seconds": 0.1, "timeout_seconds": 20, "max_concurrent": 50, **jobs}
    return dataclasses.replace(settings, jobs=dataclasses.replace(settings.jobs, **values))


def launch_local(demo, settings: Settings) -> str:
    _, url, _ = launch(demo, settings, prevent_thread_lock=True, server_name="127.0.0.1", quiet=True)
    return url
