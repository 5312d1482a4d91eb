"""Gradio's HTTP API without gradio_client: upload once, then time the calls alone."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import httpx


def upload(base: str, path: Path) -> dict:
    with path.open("rb") as handle:
        response = httpx.post(base + "gradio_api/upload", files={"files": (path.name, handle)}, timeout=120)
    response.raise_for_status()
    return {"path": response.json()[0], "orig_name": path.name, "meta": {"_type": "gradio.FileData"}}


# One client for every call and thread: a client per call would cost the benchmark's own
# process an SSL context each, competing for the same two cores as the app.
_HTTP = httpx.Client(timeout=600, limits=httpx.Limits(max_connections=200, max_keepalive_connections=200))


def call(base: str, api_name: str, data: list) -> list:
    """POST the call, then read its event stream to the end; return the final outputs."""
    event_id = _HTTP.post(f"{base}gradio_api/call/{api_name}", json={"data": data}).json()["event_id"]
    event = None
    with _HTTP.stream("GET", f"{base}gradio_api/call/{api_name}/{event_id}") as stream:
        for line in stream.iter_lines():
            if line.startswith("event: "):
                event = line.removeprefix("event: ")
            elif line.startswith("data: ") and event in ("complete", "error"):
                payload = json.loads(line.removeprefix("data: "))
                if event == "error":
                    raise RuntimeError(f"{api_name} failed: {payload}")
                return payload
    raise RuntimeError(f"{api_name} ended without a result")


@functools.cache
def _parameters(base: str, api_name: str) -> tuple[tuple[str, object], ...]:
    info = _HTTP.get(f"{base}gradio_api/info").json()["named_endpoints"][f"/{api_name}"]
    return tuple((p["parameter_name"], p.get("parameter_default")) for p in info["parameters"])


def arguments(base: str, api_name: str, **values: object) -> list:
    """An endpoint's inputs in order: those given by name, every other one at its default, so the
    benchmark keeps working as the app's endpoints gain optional inputs."""
    return [values.get(name, default) for name, default in _parameters(base, api_name)]
