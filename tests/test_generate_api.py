"""/estimate_cost and /generate through gradio_client, against the fake fal."""

from __future__ import annotations

import re

import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError

from tests.helpers import SERVER_KEY, VISITOR_KEY
from tests.media_factory import probe_seconds

PRO = "fal-ai/kling-video/ai-avatar/v2/pro"
STANDARD = "fal-ai/kling-video/ai-avatar/v2/standard"


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
    assert "5.0 s × $0.115/s ≈ $0.58" in text  # 5 s billed × 0.115


def test_estimate_follows_the_model(client, media):
    text = client.predict(handle_file(str(media / "tone5.wav")), STANDARD, api_name="/estimate_cost")
    assert "5.0 s × $0.0562/s ≈ $0.28" in text


def test_generate_returns_video_as_long_as_the_audio(client, media, fal):
    video, status = generate(client, media)
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
    from tests.media_factory import tone_wav

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
        handle_file(str(media / "face.png")), handle_file(str(media / "speech.wav")), ".", PRO, "",
        api_name="/generate",
    )
    job.result()
    statuses = [out[1] for out in job.outputs()]
    assert any(re.search(r"Queued at fal — position \d+", s) for s in statuses)
    assert any("Generating the video" in s and "elapsed" in s for s in statuses)
