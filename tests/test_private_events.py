"""Events without an api_name are still reachable through Gradio's queue: they must act only on what the
server recorded for this visitor. A script calls the page's resume event directly with a forged history."""

from __future__ import annotations

import json
import time
import uuid

import httpx

from components.spending.access import NOT_YOURS
from tests.helpers import PRO


def _resume_event(url: str) -> tuple[int, int]:
    """The page-load event that takes the browser's history: (its fn_index, the history component's id)."""
    config = httpx.get(f"{url}config", timeout=30).json()
    history = next(c["id"] for c in config["components"] if c.get("type") == "browserstate")
    for index, dependency in enumerate(config["dependencies"]):
        if dependency.get("inputs", [])[:1] == [history] and len(dependency.get("outputs", [])) == 3:
            return dependency.get("id", index), history
    raise AssertionError("the resume event was not found")


def _call_privately(url: str, fn_index: int, data: list) -> list[dict]:
    session = uuid.uuid4().hex
    body = {"data": data, "fn_index": fn_index, "session_hash": session, "event_data": None, "trigger_id": None}
    assert httpx.post(f"{url}gradio_api/queue/join", json=body, timeout=30).status_code == 200
    messages = []
    with httpx.stream("GET", f"{url}gradio_api/queue/data", params={"session_hash": session}, timeout=60) as stream:
        for line in stream.iter_lines():
            if line.startswith("data:"):
                messages.append(json.loads(line[5:]))
                if messages[-1].get("msg") == "process_completed":
                    break
    return messages


def test_a_forged_pending_run_sent_to_the_private_resume_event_is_refused_at_once(studio, fal):
    fn_index, _ = _resume_event(studio)
    forged = {
        "endpoint": PRO,
        "model": "Kling AI Avatar v2 Pro",
        "seconds": 1008.0,
        "cost": 115.92,
        "request_id": "req-someone-elses",
        "video": "narration-req-someone-elses.mp4",
        "finished_at": "2026-12-03T10:00:00+00:00",
        "state": "pending",
        "parts": ["req-someone-elses"] * 120,
    }
    for entry in (forged, dict(forged, parts=[])):
        began = time.monotonic()
        messages = _call_privately(studio, fn_index, [[entry], ""])
        text = json.dumps(messages)
        assert time.monotonic() - began < 1.5 and ("damaged" in text or NOT_YOURS.split(",")[0] in text), text[:500]
    assert fal.seen == []  # nothing was followed, fetched or joined
