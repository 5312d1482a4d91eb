"""Every way fal fails ends in a plain sentence, one submit at most, no key, and a working app."""

from __future__ import annotations

import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError

from tests.helpers import PRO, SERVER_KEY, VISITOR_KEY


def generate(client, media, key=""):
    return client.predict(
        handle_file(str(media / "face.png")),
        handle_file(str(media / "speech.wav")),
        ".",
        PRO,
        key,
        api_name="/generate",
    )


FAULTS = [
    # (name, faults, visitor key, expected message, request id in message, accepted jobs)
    # A visitor's key: the app's own client keeps its upload token, so only a new client asks for one.
    ("401 on the upload token", {"token_status": 401}, VISITOR_KEY, r"fal rejected the key \(HTTP 401", False, 0),
    ("bad visitor key", {}, "not-a-key:nope", r"fal rejected the key \(HTTP 401", False, 0),
    ("401 on submit", {"submit_status": 401}, "", r"fal rejected the key \(HTTP 401", False, 0),
    ("403 on submit", {"submit_status": 403}, "", r"fal rejected the key \(HTTP 403", False, 0),
    ("500 on submit", {"submit_status": 500}, "", r"fal failed to make the video \(HTTP 500", False, 0),
    ("503 on submit", {"submit_status": 503}, "", r"fal failed to make the video \(HTTP 503", False, 0),
    (
        "422 after COMPLETED",
        {
            "result_status": 422,
            "result_detail": [{"loc": ["body", "audio_url"], "msg": "Audio has no speech", "type": "value_error"}],
        },
        "",
        r"fal refused the inputs: audio_url: Audio has no speech",
        True,
        1,
    ),
    (
        "result fetch fails",
        {"result_status": 500, "result_detail": "Worker crashed"},
        "",
        r"fal failed to make the video \(HTTP 500: Worker crashed",
        True,
        1,
    ),
    (
        "video download 404",
        {"video_status": 404},
        "",
        r"downloading it failed \(HTTP 404\)\. It may still be at http",
        True,
        1,
    ),
]


@pytest.mark.parametrize("name, faults, key, message, has_request_id, accepted", FAULTS, ids=[f[0] for f in FAULTS])
def test_fault_is_explained_and_the_next_generation_works(
    client, media, fal, name, faults, key, message, has_request_id, accepted
):
    fal.faults.update(faults)
    with pytest.raises(AppError, match=message) as caught:
        generate(client, media, key)
    text = str(caught.value)
    assert len(fal.submits()) == accepted
    assert fal.submit_attempts <= 1, "a submit was retried: the visitor could pay twice"
    if has_request_id:
        assert f"(request id: {fal.submits()[0].request_id})" in text
    for secret in (SERVER_KEY, VISITOR_KEY, key or SERVER_KEY, "Traceback"):
        assert secret not in text

    fal.reset()
    video, status, _record = generate(client, media)
    assert video.endswith(".mp4") and "Done" in status


def test_429_then_success_is_retried_by_fal_client(client, media, fal):
    fal.faults["submit_429_times"] = 2
    video, _, _record = generate(client, media)
    assert video.endswith(".mp4")
    assert fal.submit_attempts == 3 and len(fal.submits()) == 1  # refused twice, accepted once: one charge


def test_a_submit_cut_after_fal_accepted_it_is_not_sent_again(client, media, fal):
    fal.faults["cut_after_submit"] = True
    with pytest.raises(AppError, match="fal may have accepted it, so it was not sent again"):
        generate(client, media)
    assert len(fal.submits()) == 1 and fal.submit_attempts == 1  # fal_client alone would have retried


def test_connection_reset_while_polling_is_survived(client, media, fal):
    fal.faults["reset_next_status"] = True
    video, _, _record = generate(client, media)
    assert video.endswith(".mp4")
    assert len(fal.submits()) == 1
    assert "reset_next_status" not in fal.faults  # the reset really happened
