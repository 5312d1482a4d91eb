"""Free work is bounded: voices kept small, one disk budget over every folder the app fills, and a
per-visitor limit on uploads, local previews and offline voices that refuses with a sentence."""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path

import httpx
import pytest
from gradio.utils import get_upload_folder
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from app import build_demo
from bench.free_disk import speak_many
from components.config.settings import Storage
from components.history.storage import DiskBudget
from components.spending.free_work import FreeWork, FreeWorkLimited
from tests.helpers import PREVIEW, fast_settings, running_app
from tests.speech_fixtures import needs_espeak

REFUSAL = "free actions a minute"


def test_the_limiter_counts_a_minute_per_visitor_and_not_its_refusals():
    now = [1000.0]
    limiter = FreeWork(3, clock=lambda: now[0])
    for _ in range(3):
        limiter.take("ip:1.2.3.4")
    for _ in range(5):  # hammering does not push the wait further out
        with pytest.raises(FreeWorkLimited, match=r"each visitor 3 free actions a minute .* wait about 60 s"):
            limiter.take("ip:1.2.3.4")
    limiter.take("ip:5.6.7.8")  # another visitor is unaffected
    now[0] += 60.5
    limiter.take("ip:1.2.3.4")
    FreeWork(None).take("anyone")  # no limit configured


def _file(path: Path, megabytes: float, age_seconds: float, now: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\0" * int(megabytes * 1e6))
    os.utime(path, (now - age_seconds, now - age_seconds))
    return path


def test_one_budget_covers_videos_spoken_scripts_and_gradios_copies_oldest_first(tmp_path):
    now, videos, cache = time.time(), tmp_path / "videos", tmp_path / "gradio"
    example = _file(cache / "h0" / "astronaut.jpg", 3, 9000, now)  # Gradio keeps it: never counted or deleted
    oldest_upload = _file(cache / "h1" / "upload.wav", 2, 600, now)
    old_voice = _file(videos / "speech" / "script-a.mp3", 1, 500, now)
    video = _file(videos / "run.mp4", 2, 400, now)
    stale_voice = _file(videos / "speech" / "script-b.mp3", 0.1, 7200, now)  # over an hour: gone whatever the size
    new_copy = _file(cache / "h2" / "script-c.mp3", 1, 10, now)
    staging = _file(cache / "h2" / ".script-c.mp3.tmp", 1, 900, now)  # Gradio is still writing it
    disk = DiskBudget(Storage(keep_videos_hours=72, max_mb=3.5), videos, cache)
    disk.keep([example])
    deleted = disk.sweep(now=now)
    assert set(deleted) == {stale_voice, oldest_upload, old_voice}
    assert all(path.exists() for path in (example, video, new_copy, staging))
    assert not (cache / "h1").exists()  # Gradio's emptied hash folder goes too
    assert disk.used_bytes() == 3_000_000


def test_the_budget_never_deletes_the_pages_own_copies_of_the_examples(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))  # this page's copies, apart from the session's
    settings = dataclasses.replace(fast_settings(), storage=Storage(keep_videos_hours=72, max_mb=0.001))
    _, studio = build_demo(settings, None, tmp_path / "videos", data_dir=tmp_path / "data", environ={})
    stray = _file(tmp_path / "gradio" / "h9" / "upload.png", 0.01, 60, time.time())
    assert studio.disk.sweep(now=time.time()) == [stray]
    names = {path.name for path in (tmp_path / "gradio").rglob("*") if path.is_file()}
    assert {"astronaut.jpg", "astronaut.mp3", "hello.mp3", "cat.png"} <= names


@needs_espeak
def test_forty_free_voices_of_1200_characters_grow_the_disk_by_at_most_100_mb(tmp_path):
    videos = tmp_path / "videos"
    with running_app(fast_settings(), None, videos) as url:
        grown = speak_many(url, videos / "speech", Path(get_upload_folder()), 40)
    assert grown.characters >= 1150 and grown.total_mb <= 100, grown.describe()
    assert not list((videos / "speech").glob("*.wav"))


def _client(url: str, address: str) -> Client:
    # As on a Space: Hugging Face's proxy names the visitor's address (see components/spending/identity.py).
    return Client(url, verbose=False, headers={"X-Forwarded-For": address}, download_files=False)


def _upload(url: str, address: str, path: Path) -> httpx.Response:
    with path.open("rb") as handle:
        return httpx.post(
            url + "gradio_api/upload", files={"files": (path.name, handle)}, headers={"X-Forwarded-For": address}
        )


@pytest.fixture
def limited(fal, tmp_path):
    """The app with space.yaml's own limit (20 a minute), behind a proxy as on a Space."""
    settings = fast_settings(free_per_minute=20)
    with running_app(settings, None, tmp_path / "videos", environ={"SPACE_ID": "tests/free-work"}) as url:
        yield url, tmp_path / "videos"


@needs_espeak
def test_the_21st_free_action_in_a_minute_is_refused_and_spends_nothing(limited, fal, media):
    url, videos = limited
    visitor = _client(url, "203.0.113.7")
    for number in range(20):
        visitor.predict(f"Hello, this is voice {number}.", "espeak:en-us", "", api_name="/speak")
    spoken, cached = set((videos / "speech").iterdir()), set(Path(get_upload_folder()).rglob("*"))
    with pytest.raises(AppError, match=REFUSAL):
        visitor.predict("One more, please.", "espeak:en-us", "", api_name="/speak")
    refused = _upload(url, "203.0.113.7", media / "face.png")
    assert refused.status_code == 429 and REFUSAL in refused.text
    assert set((videos / "speech").iterdir()) == spoken and set(Path(get_upload_folder()).rglob("*")) == cached
    assert fal.seen == []

    other = _client(url, "198.51.100.4")  # another visitor is unaffected: an upload, a voice, a preview
    assert other.predict("Hello from someone else.", "espeak:en-us", "", api_name="/speak")
    face, voice = handle_file(str(media / "face.png")), handle_file(str(media / "speech.wav"))
    video, status, _ = other.predict(face, voice, ".", PREVIEW, "", False, api_name="/generate")
    assert video and "Done" in status


@needs_espeak
def test_a_local_preview_is_free_work_too(limited, media):
    url, videos = limited
    address = "192.0.2.55"
    uploaded = [_upload(url, address, media / name).json()[0] for name in ("face.png", "speech.wav")]
    files = [{"path": path, "meta": {"_type": "gradio.FileData"}} for path in uploaded]
    visitor = _client(url, address)
    for number in range(18):  # 2 uploads + 18 voices = the minute's 20
        visitor.predict(f"Voice {number}.", "espeak:en-us", "", api_name="/speak")
    response = httpx.post(
        url + "gradio_api/call/generate",
        json={"data": [*files, ".", PREVIEW, "", False, "", "espeak:en-us", False, ""]},  # the last: options
        headers={"X-Forwarded-For": address},
    )
    events = httpx.get(url + f"gradio_api/call/generate/{response.json()['event_id']}", timeout=60).text
    assert "event: error" in events and REFUSAL in events
    assert not list(videos.glob("*.mp4"))


def test_the_budget_walks_its_folders_at_most_every_two_seconds_unless_told_when(tmp_path):
    disk = DiskBudget(Storage(keep_videos_hours=72, max_mb=0.001), tmp_path / "videos", cache=tmp_path / "gradio")
    assert disk.sweep() == []
    stray = _file(tmp_path / "gradio" / "h9" / "upload.png", 0.01, 60, time.time())
    assert disk.sweep() == []  # just walked: not again so soon (a crowd's sweeps cost the CPU pages need)
    assert disk.sweep(now=time.time()) == [stray]  # a caller naming the time sweeps at once
