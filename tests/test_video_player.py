"""The video player skips Gradio's ffprobe only for what that probe would accept: H.264 in MP4."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import httpx
import pytest
from gradio_client import handle_file

from components.web.video import PlayableVideo, is_h264_mp4
from tests.helpers import PRO


def clip(path: Path, *codec: str) -> Path:
    source = ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=1"]
    subprocess.run([*source, *codec, str(path)], check=True)
    return path


def generate(client, media, prompt: str) -> tuple[str, str]:
    """A new take on the fake Kling: the video's local path and the run record (JSON)."""
    video, _status, record = client.predict(
        handle_file(str(media / "face.png")),
        handle_file(str(media / "speech.wav")),
        prompt,
        PRO,
        "",
        True,
        "",
        "",
        True,
        api_name="/generate",
    )
    return video, record


def test_only_an_h264_mp4_is_trusted_without_a_probe(tmp_path):
    assert is_h264_mp4(clip(tmp_path / "ok.mp4", "-c:v", "libx264"))
    assert not is_h264_mp4(clip(tmp_path / "old.mp4", "-c:v", "mpeg4"))
    assert not is_h264_mp4(clip(tmp_path / "web.webm", "-c:v", "libvpx-vp9"))
    (tmp_path / "empty.mp4").write_bytes(b"")
    assert not is_h264_mp4(tmp_path / "empty.mp4") and not is_h264_mp4(tmp_path / "missing.mp4")


@pytest.mark.filterwarnings("ignore:Video does not have browser-compatible")
def test_anything_else_still_goes_through_gradios_conversion(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "cache"))
    player = PlayableVideo()
    trusted = clip(tmp_path / "ok.mp4", "-c:v", "libx264")
    served = player.postprocess(str(trusted))
    # Served unconverted, and under a name that says what it is: the served file's own name (the browser
    # saves by the server's Content-Disposition, which names the file, not the link's attribute).
    assert Path(served.path).read_bytes() == trusted.read_bytes() and Path(served.path).name == served.orig_name
    assert re.fullmatch(r"kling-avatar-studio-\d{4}-\d\d-\d\d-\d{4}-ok\.mp4", served.orig_name)
    converted = player.postprocess(str(clip(tmp_path / "old.mp4", "-c:v", "mpeg4"))).path
    assert converted != str(tmp_path / "old.mp4") and is_h264_mp4(Path(converted))


def test_a_generation_in_the_page_session_starts_no_probe_of_the_returned_video(client, fal, media, monkeypatch):
    probed = []
    monkeypatch.setattr("gradio.processing_utils.video_is_playable", lambda path: probed.append(path) or True)
    for _ in range(2):  # the second call follows an update of the video component in the same session
        video, _record = generate(client, media, "probe")
    assert probed == [] and is_h264_mp4(Path(video))


def test_the_served_copy_of_a_video_is_not_where_its_request_id_would_put_it(studio, client, fal, media, tmp_path):
    """Gradio serves any file in its cache to whoever names its path: the copy's folder is not the request id's."""
    video, record = generate(client, media, "where")
    request_id, name = json.loads(record)["request_id"], Path(video).name
    assert request_id in name  # the download keeps its telling name
    guessed = Path(os.environ["GRADIO_TEMP_DIR"]) / f"named-{request_id}" / name
    assert httpx.get(f"{studio}gradio_api/file={guessed}").status_code != 200
    served = PlayableVideo().postprocess(str(clip(tmp_path / f"{request_id}.mp4", "-c:v", "libx264"))).path
    assert re.fullmatch(r"named-[0-9a-f]{32}", Path(served).parent.name)
