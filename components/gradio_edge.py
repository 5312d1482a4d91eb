"""The edge between Gradio and the pure logic: payloads in, `gr.Error` out."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

import gradio as gr

from components.errors import StudioError

log = logging.getLogger("kling_studio")

UNEXPECTED = "Something went wrong inside the app. Your inputs are untouched — please try again."


@contextlib.contextmanager
def as_gradio_error():
    """StudioError → its own sentence; anything else → a generic one, logged by type only."""
    try:
        yield
    except StudioError as exc:
        raise gr.Error(str(exc), print_exception=False) from None
    except Exception as exc:
        log_unexpected(exc, "handling an event")
        raise gr.Error(UNEXPECTED, print_exception=False) from None


def log_unexpected(exc: Exception, doing: str) -> None:
    # Only the type: the exception may hold an HTTP request with the key in its headers.
    log.error("unexpected %s while %s", type(exc).__name__, doing)


def file_path(payload: Any) -> str | None:
    """A raw file payload from Gradio (a dict with `path`) or a plain path."""
    if isinstance(payload, dict):
        return payload.get("path")
    return payload or None
