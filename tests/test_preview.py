"""No key, no problem: the local preview renders a labelled video, offline and free."""

from __future__ import annotations

import subprocess
from io import BytesIO

import numpy as np
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image
from pydub import AudioSegment

from components.backends.preview_render import PREVIEW_LABEL, loudness_levels
from tests.fakes.media import probe_seconds, tone_wav
from tests.helpers import PREVIEW


def first_frame(video: str, at: float = 0.5) -> np.ndarray:
    png = subprocess.run(
        [
            "ffmpeg",
            "-loglevel",
            "error",
            "-ss",
            str(at),
            "-i",
            video,
            "-frames:v",
            "1",
            "-f",
            "image2pipe",
            "-c:v",
            "png",
            "-",
        ],
        check=True,
        capture_output=True,
    ).stdout
    return np.asarray(Image.open(BytesIO(png)).convert("L"), dtype=float)


def test_keyless_app_defaults_to_the_preview_and_renders_without_fal(keyless, media, fal):
    client = Client(keyless, verbose=False)
    default_model = client.view_api(return_format="dict")["named_endpoints"]["/generate"]["parameters"][3]
    assert default_model["parameter_default"] == PREVIEW
    video, status, _record = client.predict(
        handle_file(str(media / "face.png")),
        handle_file(str(media / "speech.wav")),
        ".",
        PREVIEW,
        "",
        api_name="/generate",
    )
    assert abs(probe_seconds(video) - probe_seconds(media / "speech.wav")) < 0.2
    assert PREVIEW_LABEL in status and "$0.00" in status
    assert fal.seen == []
    frame = first_frame(video)
    banner, below = frame[:10].mean(), frame[40:60].mean()
    assert banner < 90 < below, "the preview banner is missing from the video"


def test_the_mouth_moves_with_the_voice(keyless, media, fal, tmp_path):
    loud_then_quiet = tmp_path / "lq.wav"
    (AudioSegment.from_wav(tone_wav(tmp_path / "a.wav", 1.5)) + AudioSegment.silent(1500)).export(
        loud_then_quiet, format="wav"
    )
    client = Client(keyless, verbose=False)
    video, _, _record = client.predict(
        handle_file(str(media / "face.png")), handle_file(str(loud_then_quiet)), ".", PREVIEW, "", api_name="/generate"
    )
    talking, silent = first_frame(video, 0.7), first_frame(video, 2.6)
    assert np.abs(talking - silent).mean() > 0.5, "the face did not move with the voice"


def test_kling_without_any_key_points_to_the_preview(keyless, media, fal):
    client = Client(keyless, verbose=False)
    with pytest.raises(AppError, match="choose the free “Local preview” model"):
        client.predict(
            handle_file(str(media / "face.png")),
            handle_file(str(media / "speech.wav")),
            ".",
            "fal-ai/kling-video/ai-avatar/v2/pro",
            "",
            api_name="/generate",
        )
    assert fal.seen == []


def test_loudness_levels_follow_the_envelope(tmp_path):
    voice = AudioSegment.from_wav(tone_wav(tmp_path / "a.wav", 1.0)) + AudioSegment.silent(1000)
    levels = loudness_levels(voice, fps=10, levels=12)
    assert len(levels) == 20
    assert levels[2:8].min() >= 6 and levels[13:].max() == 0
