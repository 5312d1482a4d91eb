"""Ready to post, end to end through gradio_client: captions of a typed script, other shapes, and who may ask."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from tests.fakes.media import probe_seconds
from tests.helpers import PREVIEW

SCRIPT = (
    "Hello! I am a talking avatar. This voice was typed as a script, then spoken before the video was made. "
    "Captions follow the voice, phrase by phrase."
)


def read(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


def words(text: str) -> list[str]:
    return re.findall(r"[\w']+", text.lower())


def cue_texts(vtt: str) -> list[str]:
    blocks = vtt.split("\n\n")[1:]
    return [" ".join(block.splitlines()[2:]) for block in blocks if block.strip()]


def last_end(vtt: str) -> float:
    hours, minutes, seconds = re.findall(r"--> (\d\d):(\d\d):(\d\d\.\d\d\d)", vtt)[-1]
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


@pytest.fixture(scope="module")
def made(keyless, media):
    """A preview spoken from a typed script (offline voice, local render: no key, no cost)."""
    client = Client(keyless, verbose=False)
    face = handle_file(str(media / "face.png"))
    video, status, record = client.predict(
        face, None, ".", PREVIEW, "", False, SCRIPT, "espeak:en-us", api_name="/generate"
    )
    assert "Done" in status
    return client, video, json.loads(record)


def test_a_typed_script_gets_captions_timed_to_its_own_voice(made):
    client, video, record = made
    vtt_file, srt_file = client.predict(record["video"], None, "", "", api_name="/captions")
    vtt = read(vtt_file)
    srt = read(srt_file)
    assert vtt.startswith("WEBVTT") and words(" ".join(cue_texts(vtt))) == words(SCRIPT)  # the kept script
    assert abs(last_end(vtt) - probe_seconds(video)) < 1.0
    assert len(cue_texts(vtt)) >= 5 and "-->" in srt and "," in srt.splitlines()[1]  # SRT stamps use commas
    assert words(" ".join(line for line in srt.splitlines() if line and "-->" not in line and not line.isdigit())) == (
        words(SCRIPT)
    )


def test_captions_take_a_script_given_with_the_call(made):
    client, _, record = made
    other = "Something else, said another way. And a last phrase."
    vtt_file, _ = client.predict(record["video"], None, other, "", api_name="/captions")
    assert words(" ".join(cue_texts(read(vtt_file)))) == words(other)


@pytest.mark.parametrize(
    "name",
    [
        "preview-0123456789ab.mp4",  # well formed, never shown to this caller
        "../../etc/passwd",
        "/tmp/kling-avatar-studio/videos/preview-0123456789ab.mp4",
        "preview-0123456789ab.mp4:whatever",
    ],
)
def test_no_video_is_opened_by_a_name_it_was_not_shown_under(keyless, name):
    client = Client(keyless, verbose=False)
    with pytest.raises(AppError, match="not one this app ran for you|request id"):
        client.predict(name, None, SCRIPT, "", api_name="/captions")


def test_an_uploaded_video_gets_captions_from_a_given_script(keyless, made, tmp_path):
    client, video, _ = made
    copy = tmp_path / "mine.mp4"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", video, "-c", "copy", str(copy)], check=True)
    vtt_file, _ = client.predict("", handle_file(str(copy)), SCRIPT, "", api_name="/captions")
    assert words(" ".join(cue_texts(read(vtt_file)))) == words(SCRIPT)
    with pytest.raises(AppError, match="Captions need the words"):  # an upload has no kept script
        client.predict("", handle_file(str(copy)), "", "", api_name="/captions")
