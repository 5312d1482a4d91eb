"""/estimate_cost and /generate through gradio_client, against the fake fal."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from tests.fakes.media import probe_seconds, tone_wav
from tests.helpers import PRO, SERVER_KEY, STANDARD, VISITOR_KEY, fast_settings, running_app


def generate(client, media, audio="speech.wav", prompt=".", model=PRO, key=""):
    return client.predict(
        handle_file(str(media / "face.png")),
        handle_file(str(media / audio)),
        prompt,
        model,
        key,
        api_name="/generate",
    )


def test_estimate_shows_duration_and_cost(client, media):
    text = client.predict(handle_file(str(media / "tone5.mp3")), PRO, api_name="/estimate_cost")
    assert "5.0 s, billed as 5 s × $0.115/s = $0.58" in text  # 5 s billed × 0.115


def test_estimate_follows_the_model(client, media):
    text = client.predict(handle_file(str(media / "tone5.wav")), STANDARD, api_name="/estimate_cost")
    assert "5.0 s, billed as 5 s × $0.0562/s = $0.28" in text


def test_generate_returns_video_as_long_as_the_audio(client, media, fal):
    video, status, _record = generate(client, media)
    audio_seconds = probe_seconds(media / "speech.wav")
    assert video.endswith(".mp4")
    assert abs(probe_seconds(video) - audio_seconds) < 0.3
    request_id = fal.submits()[0].request_id
    assert request_id in status
    assert "actual cost" in status
    assert fal.keys_seen() == {SERVER_KEY}


def test_visitor_key_is_used_instead_of_server_key(client, media, fal):
    generate(client, media, key=VISITOR_KEY)
    assert fal.keys_seen() == {VISITOR_KEY}
    assert len(fal.submits()) == 1


def test_rejected_key_is_explained(client, media, fal):
    with pytest.raises(AppError, match="fal rejected the key") as caught:
        generate(client, media, key="wrong-key:nope")
    assert "wrong-key" not in str(caught.value)
    assert fal.submits() == []


def test_fal_validation_error_is_explained_with_request_id(client, media, fal):
    fal.faults["result_status"] = 422
    fal.faults["result_detail"] = [{"loc": ["body", "image_url"], "msg": "No face detected", "type": "value_error"}]
    with pytest.raises(AppError) as caught:
        generate(client, media)
    message = str(caught.value)
    assert "image_url: No face detected" in message
    assert fal.submits()[0].request_id in message
    assert len(fal.submits()) == 1


def test_too_short_audio_is_refused_before_anything_is_sent(client, media, fal, tmp_path):
    tone_wav(tmp_path / "short.wav", 1.0)
    with pytest.raises(AppError, match=r"too short: 1\.0 s.*at least 2 s"):
        client.predict(
            handle_file(str(media / "face.png")),
            handle_file(str(tmp_path / "short.wav")),
            ".",
            PRO,
            "",
            api_name="/generate",
        )
    assert fal.seen == []


def test_streams_queue_and_generation_stages(client, media, fal):
    fal.queue_seconds, fal.run_seconds = 0.6, 0.6
    job = client.submit(
        handle_file(str(media / "face.png")),
        handle_file(str(media / "speech.wav")),
        ".",
        PRO,
        "",
        api_name="/generate",
    )
    job.result()
    statuses = [out[1] for out in job.outputs()]
    assert any(re.search(r"Queued at fal — position \d+", s) for s in statuses)
    assert any("Generating the video" in s and "elapsed" in s for s in statuses)


def wait_for(predicate, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_leaving_never_cancels_and_the_server_still_fetches_the_video(client, media, fal):
    fal.queue_seconds, fal.run_seconds = 0.2, 1.5
    job = client.submit(
        handle_file(str(media / "face.png")),
        handle_file(str(media / "speech.wav")),
        ".",
        PRO,
        "",
        False,
        api_name="/generate",
    )
    assert wait_for(lambda: len(fal.submits()) == 1), "the job never reached fal"
    job.cancel()  # the caller goes away, as a closed tab does
    request_id = fal.submits()[0].request_id
    assert wait_for(lambda: any(s.path.endswith(f"/requests/{request_id}") for s in fal.seen))
    assert fal.cancels() == [] and len(fal.submits()) == 1  # never cancelled, never sent again


def test_job_past_the_timeout_is_cancelled_and_explained(media, fal, tmp_path):
    with running_app(fast_settings(timeout_seconds=1.5), SERVER_KEY, tmp_path) as url:
        client = Client(url, verbose=False)
        fal.faults["never_complete"] = True
        with pytest.raises(AppError, match=r"still not finished after 1\.5 s, so it was cancelled") as caught:
            generate(client, media)
        request_id = fal.submits()[0].request_id
        assert request_id in str(caught.value)
        assert wait_for(lambda: fal.cancels())


def test_two_generations_run_side_by_side(client, media, fal):
    """Both jobs are at fal at the same time: neither queues behind the other in the app."""
    fal.queue_seconds, fal.run_seconds = 0.1, 1.5
    jobs = [
        client.submit(
            handle_file(str(media / "face.png")),
            handle_file(str(media / "speech.wav")),
            ".",
            PRO,
            "",
            api_name="/generate",
        )
        for _ in range(2)
    ]
    assert wait_for(lambda: len(fal.submits()) == 2, seconds=5)
    first, second = sorted(fal.submits(), key=lambda j: j.submitted)
    assert second.submitted - first.submitted < fal.queue_seconds + fal.run_seconds, (
        "the second job waited for the first"
    )
    for job in jobs:
        assert job.result()[0].endswith(".mp4")


def test_no_key_anywhere_says_what_to_do(keyless, media, fal):
    client = Client(keyless, verbose=False)
    with pytest.raises(AppError, match="No fal key is available. Paste your own key"):
        generate(client, media)
    assert fal.seen == []


def test_server_key_never_reaches_the_page(studio):
    for path in ("/", "/config", "/gradio_api/info"):
        body = httpx.get(studio.rstrip("/") + path).text
        assert SERVER_KEY not in body
        assert SERVER_KEY.split(":")[1] not in body
    assert httpx.get(studio.rstrip("/") + "/config").json()["run_history"] is False
