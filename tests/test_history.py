"""Finished runs: re-used for identical inputs, recoverable by request id, remembered without keys."""

from __future__ import annotations

import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError

from components.errors import InputRejected
from components.history.runs import Run, from_entry, remember
from tests.fakes.media import probe_seconds
from tests.helpers import PRO, SERVER_KEY, VISITOR_KEY


def generate(client, media, prompt=".", key=""):
    return client.predict(
        handle_file(str(media / "face.png")),
        handle_file(str(media / "speech.wav")),
        prompt,
        PRO,
        key,
        api_name="/generate",
    )


def test_identical_inputs_reuse_the_video_and_say_so(client, media, fal):
    first, _, _record = generate(client, media)
    again, status, _record = generate(client, media)
    assert "Re-used an earlier video" in status and "nothing was spent" in status
    assert fal.submits()[0].request_id in status
    assert len(fal.submits()) == 1
    assert abs(probe_seconds(again) - probe_seconds(first)) < 0.01
    generate(client, media, prompt="A different prompt")
    assert len(fal.submits()) == 2  # a different prompt is a different video


def test_recover_by_request_id_fetches_without_paying(client, media, fal):
    original, _, _record = generate(client, media, key=VISITOR_KEY)
    request_id = fal.submits()[0].request_id
    video, status, _record = client.predict(request_id, PRO, VISITOR_KEY, api_name="/recover")
    assert "Recovered from fal's stored result" in status and request_id in status
    assert abs(probe_seconds(video) - probe_seconds(original)) < 0.01
    assert len(fal.submits()) == 1
    assert VISITOR_KEY not in status


def test_recover_refuses_a_malformed_id_and_explains_an_unknown_one(client, fal):
    with pytest.raises(AppError, match="Enter the request id of a finished fal job"):
        client.predict("../../etc/passwd", PRO, "", api_name="/recover")
    with pytest.raises(AppError, match=r"HTTP 404"):  # a visitor's key: fal itself says it does not know the id
        client.predict("no-such-request", PRO, VISITOR_KEY, api_name="/recover")
    with pytest.raises(
        AppError, match=r"only jobs this app ran for you can be recovered, and no-such-request is not one"
    ):
        client.predict("no-such-request", PRO, "", api_name="/recover")
    assert fal.submits() == [] and not any(
        "no-such-request" in seen.path and seen.key == SERVER_KEY for seen in fal.seen
    )


def test_history_entries_hold_no_key_and_refuse_tampering():
    run = Run(PRO, "Kling AI Avatar v2 Pro", 4.1, 0.47, "req-1", "req-1.mp4", "2026-11-29T04:00:00+00:00")
    history = remember([], run)
    assert set(history[0]) == {
        "endpoint",
        "model",
        "seconds",
        "cost",
        "request_id",
        "video",
        "finished_at",
        "state",
        "parts",
    }
    assert from_entry(history[0]) == run
    with pytest.raises(InputRejected, match="damaged"):
        from_entry({**history[0], "video": "../../app.py"})
