"""The edge between Gradio and the pure logic: payloads in, `gr.Error` out."""

from __future__ import annotations

import contextlib
import json
import logging
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from components.errors import StudioError
from components.events import Accepted, Checking, Event, Reused, Speaking, Stopped, Working
from components.history.runs import Run
from components.spending.identity import Identities, Visitor
from components.web import wording
from components.web.escape import html_text

log = logging.getLogger("kling_studio")

UNEXPECTED = "Something went wrong inside the app. Your inputs are untouched — please try again."


def gradio_error(exc: Exception, doing: str) -> gr.Error:
    """A toast: Gradio renders its message as HTML, so the sentence's own `<`, `>`, `&` (fal's text) stay text."""
    return gr.Error(html_text(sentence(exc, doing)), print_exception=False)


def sentence(exc: Exception, doing: str) -> str:
    """StudioError → its own sentence; anything else → a generic one, logged by type and where it
    was raised — never its message or values (it may hold an HTTP request with the key in its headers)."""
    if isinstance(exc, StudioError):
        return str(exc)
    log.error("unexpected %s while %s, at %s", type(exc).__name__, doing, where(exc))
    return UNEXPECTED


def where(exc: BaseException) -> str:
    """The innermost frames as file:line (function), nothing else from the traceback."""
    frames = traceback.extract_tb(exc.__traceback__)[-4:]
    return " ← ".join(f"{Path(f.filename).name}:{f.lineno} ({f.name})" for f in reversed(frames)) or "?"


@contextlib.contextmanager
def as_gradio_error(doing: str = "handling an event") -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        raise gradio_error(exc, doing) from None


def file_path(payload: Any) -> str | None:
    """A raw file payload from Gradio (a dict with `path`) or a plain path."""
    if isinstance(payload, dict):
        return payload.get("path")
    return payload or None


def visitor_of(request: gr.Request | None, profile: gr.OAuthProfile | None, identities: Identities) -> Visitor:
    """Who is calling: the signed-in account, else the connection's address by the one rule in identity.py."""
    username = getattr(profile, "username", None) if profile is not None else None
    client = getattr(request, "client", None)
    headers = getattr(request, "headers", None) or {}
    forwarded = headers.get("x-forwarded-for") if hasattr(headers, "get") else None
    return identities.visitor(username, getattr(client, "host", None), forwarded)


def session_of(request: gr.Request | None) -> str | None:
    return getattr(request, "session_hash", None)


def page_update(event: Event) -> tuple[Any, str, Any]:
    """(video, status, run record) for one studio event."""
    if isinstance(event, Checking):
        return None, wording.checking(event.model.label), gr.skip()
    if isinstance(event, Speaking):
        return gr.skip(), wording.speaking(), gr.skip()
    if isinstance(event, Working):
        return gr.skip(), wording.describe_progress(event), gr.skip()
    if isinstance(event, Accepted):  # into the browser's history at once: a reload must not lose it
        return gr.skip(), wording.describe_progress(event.working), record_json(event.run)
    if isinstance(event, Stopped):
        return gr.skip(), wording.stopped(event), gr.skip()
    if isinstance(event, Reused):
        return str(event.video), wording.reused(event.run), record_json(event.run)
    return str(event.video), wording.describe_done(event), record_json(event.run)


def report(progress: Any, event: Event) -> None:
    """Progress for API and MCP callers (an agent's progress notifications): the stage, how far against the
    model's usual time, and the request ids from the moment fal has the job, so a dropped call loses nothing."""
    working = event.working if isinstance(event, Accepted) else event
    if not isinstance(working, Working):
        return
    ids = ", ".join(working.progress.request_ids)
    percent = min(99, int(100 * working.elapsed / max(working.model.typical_seconds, 1)))
    desc = f"{working.progress.stage}" + (f" · request id {ids}" if ids else "")
    progress((percent, 100), desc=desc)


def record_json(run: Run) -> str:
    """The run record as one JSON document (API and MCP callers parse it), dollars to the cent."""
    entry = run.entry()
    return json.dumps(entry | {"cost": round(run.cost, 2), "seconds": round(run.seconds, 2)})
