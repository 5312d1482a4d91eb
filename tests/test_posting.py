"""Ready to post, end to end through gradio_client: captions of a typed script, other shapes, and who may ask."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from components.config.settings_runtime import Storage
from components.history.storage import DiskBudget
from components.inputs.faces import find_faces
from components.posting.media import probe_video
from tests.fakes.crafted import understated_webm
from tests.fakes.media import probe_seconds
from tests.helpers import PREVIEW, PRO, VISITOR_KEY, fast_settings, running_app

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
    with pytest.raises(AppError, match="not one this app ran for you|request id"):
        client.predict(name, None, "9:16", False, "", "", api_name="/reframe")


def test_an_uploaded_video_gets_captions_from_a_given_script(keyless, made, tmp_path):
    client, video, _ = made
    copy = tmp_path / "mine.mp4"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", video, "-c", "copy", str(copy)], check=True)
    vtt_file, _ = client.predict("", handle_file(str(copy)), SCRIPT, "", api_name="/captions")
    assert words(" ".join(cue_texts(read(vtt_file)))) == words(SCRIPT)
    # An upload has no kept script: without one, its voice would be heard by fal's speech-to-text, which needs a key.
    with pytest.raises(AppError, match="need a fal key.*type the words the voice says"):
        client.predict("", handle_file(str(copy)), "", "", api_name="/captions")


def test_reframe_renders_only_as_long_as_the_video_claims(keyless, tmp_path):
    """A container that claims 3 s and holds 40 is rendered for 3 s: the length check holds what is made."""
    crafted = understated_webm(tmp_path / "claims-3-s.webm", seconds=40.0, claimed=3.0)
    shaped = Client(keyless, verbose=False).predict(
        "", handle_file(str(crafted)), "1:1", False, "", "", api_name="/reframe"
    )
    assert probe_seconds(shaped) <= 3.2


def frame_at(video: str, seconds: float) -> np.ndarray:
    command = ["ffmpeg", "-loglevel", "error", "-ss", str(seconds), "-i", video, "-frames:v", "1"]
    done = subprocess.run([*command, "-f", "image2pipe", "-vcodec", "png", "-"], capture_output=True, check=True)
    return np.asarray(Image.open(io.BytesIO(done.stdout)).convert("RGB")).astype(int)


@pytest.mark.parametrize(("aspect", "size"), [("9:16", (720, 1280)), ("1:1", (720, 720)), ("16:9", (1280, 720))])
def test_reframe_makes_each_shape_as_long_as_the_original_around_the_face(made, aspect, size):
    client, video, record = made
    shaped = client.predict(record["video"], None, aspect, False, "", "", api_name="/reframe")
    info = probe_video(Path(shaped))
    assert (info.width, info.height) == size and info.has_sound
    assert abs(info.seconds - probe_seconds(video)) < 0.1
    faces = find_faces(Image.fromarray(frame_at(shaped, 1.0).astype(np.uint8)))
    assert faces, "the face is in the frame"
    left, top, width, height = faces[0].box
    assert left >= 0 and top >= 0 and left + width <= size[0] and top + height <= size[1]


@pytest.mark.parametrize("aspect", ["9:16", "1:1", "16:9"])
def test_burned_captions_stay_inside_each_shape_bottom_centred(made, aspect):
    client, _, record = made
    plain = client.predict(record["video"], None, aspect, False, "", "", api_name="/reframe")
    captioned = client.predict(record["video"], None, aspect, True, "", "", api_name="/reframe")
    at = 1.5  # "I am a talking avatar." is on screen
    # Two encodes differ a little along every edge; the captions' white text and black outline differ a lot.
    changed = np.abs(frame_at(captioned, at) - frame_at(plain, at)).sum(axis=2) > 200
    rows = np.flatnonzero(changed.sum(axis=1) > changed.shape[1] * 0.02)
    columns = np.flatnonzero(changed.sum(axis=0) > 2)
    height, width = changed.shape
    assert len(rows) and len(columns), "captions were burned in"
    assert rows[0] > height * 0.6 and rows[-1] < height * 0.95  # low, above the edge feeds cover
    assert columns[0] > width * 0.05 and columns[-1] < width * 0.95  # never cut at the sides
    assert abs((columns[0] + columns[-1]) / 2 - width / 2) < width * 0.05  # centred
    assert rows[-1] - rows[0] > height * 0.025  # readable: text at least ~3% of the frame tall


@pytest.mark.unit
def test_what_is_made_from_a_video_is_swept_like_a_video(tmp_path):
    post = tmp_path / "post"
    post.mkdir()
    made = [post / name for name in ("a.vtt", "a.srt", "a-9x16.mp4", "a.script.txt", ".a-1x1.mp4")]
    for file in made:
        file.write_bytes(b"x" * 1000)
        os.utime(file, (1000.0, 1000.0))
    deleted = DiskBudget(Storage(keep_videos_hours=1, max_mb=5), tmp_path).sweep(now=1000.0 + 3601)
    assert sorted(deleted) == sorted(made[:4])  # a dot-file is still being written: left alone


def test_posting_counts_as_free_work(fake_fal, media, tmp_path):
    """Every caption or reframe takes from the visitor's free actions a minute, like a preview."""
    with running_app(fast_settings(free_per_minute=8), None, tmp_path / "videos") as url:
        client = Client(url, verbose=False)
        face = handle_file(str(media / "face.png"))
        _, _, record = client.predict(face, None, ".", PREVIEW, "", False, SCRIPT, "espeak:en-us", api_name="/generate")
        name = json.loads(record)["video"]
        with pytest.raises(AppError, match="free actions a minute"):
            for _ in range(8):
                client.predict(name, None, "", "", api_name="/captions")
        shaped = list((tmp_path / "videos" / "post").glob("*.mp4"))
        assert shaped == []  # nothing was rendered
        with pytest.raises(AppError, match="free actions a minute"):
            client.predict(name, None, "1:1", False, "", "", api_name="/reframe")
        assert list((tmp_path / "videos" / "post").glob("*.mp4")) == []


def test_a_kling_run_is_captioned_by_its_request_id_only_for_whom_it_was_shown(client, fal, media):
    face = handle_file(str(media / "face.png"))
    video, _, record = client.predict(face, None, ".", PRO, "", False, SCRIPT, "espeak:en-us", api_name="/generate")
    request_id = json.loads(record)["request_id"]
    vtt_file, _ = client.predict(request_id, None, "", "", api_name="/captions")
    vtt = read(vtt_file)
    assert words(" ".join(cue_texts(vtt))) == words(SCRIPT) and abs(last_end(vtt) - probe_seconds(video)) < 1.0
    with pytest.raises(AppError, match="not one this app ran for you"):  # another payer: a visitor's own key
        client.predict(request_id, None, "", VISITOR_KEY, api_name="/captions")
