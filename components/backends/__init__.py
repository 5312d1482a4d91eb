"""The backends, and the one place that maps the settings' `backend:` name to a class."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from components.backends.fal import FalBackend
from components.backends.preview import PreviewBackend

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.backends.base import Backend
    from components.config.settings import Settings


def build_backends(settings: Settings, server_key: str | None, output_dir: Path) -> dict[str, Backend]:
    """One backend object per kind, shared by every model of that kind, keyed by endpoint."""
    made: dict[str, Backend] = {
        "fal": FalBackend(
            server_key=server_key,
            poll_interval=settings.jobs.poll_interval_seconds,
            timeout=settings.jobs.timeout_seconds,
            output_dir=output_dir,
        ),
        "preview": PreviewBackend(output_dir=output_dir),
    }
    return {model.endpoint: made[model.backend] for model in settings.models}
