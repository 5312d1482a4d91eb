"""The history's tiles in the core: newest first, a first frame only of a video shown to the payer, made once."""

from __future__ import annotations

import subprocess

import pytest

from components.errors import InputRejected
from components.history.runs import MAX_ENTRIES, Run
from components.history.tiles import RunTiles, caption

pytestmark = pytest.mark.unit
PREVIEW_LABEL = "Local preview (not Kling)"


def video(path, colour: str) -> None:
    colour_source = f"color=c={colour}:s=320x240:d=1"
    command = ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", colour_source, "-pix_fmt", "yuv420p"]
    subprocess.run([*command, str(path)], check=True)


def run(name: str, at: str, request_id: str | None = None, state: str = "done") -> dict:
    return Run("local/preview", PREVIEW_LABEL, 4.06, 0.0, request_id, name, at, state=state).entry()


@pytest.fixture
def folder(tmp_path):
    video(tmp_path / "preview-aaaaaaaaaaaa.mp4", "red")
    video(tmp_path / "preview-bbbbbbbbbbbb.mp4", "blue")
    video(tmp_path / "req-1.mp4", "green")
    return tmp_path / "post"


def tiles_of(folder, shown: set[str], taken: list[int], allowed: int = 10) -> RunTiles:
    def take() -> None:
        if len(taken) >= allowed:
            raise InputRejected("over the limit")
        taken.append(1)

    return RunTiles(folder, lambda payer, ids: set(ids) <= shown, take)


def test_newest_first_each_its_own_first_frame_made_once(folder):
    history = [
        run("preview-aaaaaaaaaaaa.mp4", "2026-12-01T10:00:00+00:00"),
        {"video": "../../etc/passwd"},  # damaged: left out
        run("preview-bbbbbbbbbbbb.mp4", "2026-12-02T10:00:00+00:00"),
    ]
    taken: list[int] = []
    shown = {"preview-aaaaaaaaaaaa", "preview-bbbbbbbbbbbb"}  # the previews' names, shown to this payer
    tiles = tiles_of(folder, shown, taken).tiles(history, "owner:ip:1")
    assert [tile.index for tile in tiles] == [2, 0]
    assert [tile.picture.name for tile in tiles] == ["preview-bbbbbbbbbbbb.thumb.jpg", "preview-aaaaaaaaaaaa.thumb.jpg"]
    assert tiles[0].caption == f"{PREVIEW_LABEL} · 4.1 s · Free · 2026-12-02 10:00 UTC"
    assert taken == [1]  # one free action for every thumbnail made in one call
    tiles_of(folder, shown, taken).tiles(history, "owner:ip:1")
    assert taken == [1]  # made once: the files are used again


def test_a_preview_known_only_by_its_name_gets_no_frame(folder):
    """A share link shows a preview's name to whoever holds it: the name alone opens nothing."""
    history = [run("preview-aaaaaaaaaaaa.mp4", "2026-12-01T10:00:00+00:00")]
    tiles = tiles_of(folder, set(), []).tiles(history, "owner:ip:2")
    assert tiles[0].picture.name == "tile-elsewhere.png" and not (folder / "preview-aaaaaaaaaaaa.thumb.jpg").exists()


def test_a_history_longer_than_the_app_keeps_is_read_only_as_far_as_it_keeps(folder):
    history = [run("preview-aaaaaaaaaaaa.mp4", f"2026-12-01T10:{minute:02d}:00+00:00") for minute in range(60)]
    tiles = tiles_of(folder, {"preview-aaaaaaaaaaaa"}, []).tiles(history, "owner:ip:1")
    assert len(tiles) == MAX_ENTRIES == 50


def test_no_frame_of_a_video_the_payer_was_not_shown_and_a_waiting_tile_for_a_pending_run(folder):
    history = [
        run("req-1.mp4", "2026-12-02T10:00:00+00:00", request_id="req-1"),  # someone else's, by its request id
        run("req-2.mp4", "2026-12-03T10:00:00+00:00", request_id="req-2", state="pending"),
    ]
    tiles = tiles_of(folder, set(), []).tiles(history, "owner:ip:1")
    assert [tile.picture.name for tile in tiles] == ["tile-pending.png", "tile-elsewhere.png"]
    assert tiles[0].caption.startswith("⏳") and "est. Free" in tiles[0].caption
    assert not (folder / "req-1.thumb.jpg").exists()
    shown = tiles_of(folder, {"req-1"}, []).tiles(history, "owner:ip:1")
    assert shown[1].picture.name == "req-1.thumb.jpg"


def test_over_the_free_work_limit_a_plain_tile_and_nothing_made(folder):
    history = [run("preview-aaaaaaaaaaaa.mp4", "2026-12-01T10:00:00+00:00")]
    tiles = tiles_of(folder, {"preview-aaaaaaaaaaaa"}, [], allowed=0).tiles(history, "owner:ip:1")
    assert tiles[0].picture.name == "tile-video.png" and not (folder / "preview-aaaaaaaaaaaa.thumb.jpg").exists()


def test_a_caption_says_model_length_cost_and_date():
    done = Run(
        "fal-ai/kling-video/ai-avatar/v2/pro", "Kling AI Avatar v2 Pro", 8.4, 1.035, "r", "r.mp4", "2026-12-03T13:05:09"
    )
    assert caption(done) == "Kling AI Avatar v2 Pro · 8.4 s · $1.04 · 2026-12-03 13:05 UTC"
