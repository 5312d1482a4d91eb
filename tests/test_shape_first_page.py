"""The shape to post, chosen before Generate, in a real Chromium with the local preview (free, offline): the
finished run opens Ready to post on that shape with the reframed copy already made."""

from __future__ import annotations

import json
import subprocess

import httpx

from tests.browser import open_page
from tests.test_browser import watch_status_until

REFRAMED = "#reframed video"


def _choose(page, shape: str) -> None:
    page.click(f'#post_shape label:has-text("{shape}")')


def _generate(page) -> None:
    page.click("#generate")
    watch_status_until(page, "Done", seconds=60)


def _reframed_size(page, tmp_path, name: str) -> tuple[int, int]:
    """The reframed video's own size, by ffprobe on the file the page offers."""
    src = page.wait_for_function(
        f"() => {{ const v = document.querySelector('{REFRAMED}'); return v && v.videoHeight > 0 && v.currentSrc }}",
        timeout=60000,
    ).json_value()
    target = tmp_path / f"{name}.mp4"
    target.write_bytes(httpx.get(src, timeout=30).content)
    probe = ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "json"]
    stream = json.loads(subprocess.run([*probe, str(target)], capture_output=True, check=True).stdout)["streams"][0]
    return stream["width"], stream["height"]


def test_the_shape_chosen_before_generate_is_made_when_the_run_finishes(keyless, fal, media, tmp_path):
    with open_page(keyless) as page:
        page.set_input_files("#image input[type=file]", str(media / "face.png"))
        page.set_input_files("#audio input[type=file]", str(media / "speech.wav"))
        assert page.is_checked('#post_shape input[value="as made"]')  # the default: nothing more is made
        _generate(page)
        assert page.query_selector(REFRAMED) is None

        _choose(page, "9:16")
        _generate(page)
        assert _reframed_size(page, tmp_path, "portrait") == (720, 1280)
        assert page.is_visible("#reframe")  # Ready to post opened on it
        assert page.is_checked('#reframe_aspect input[value="9:16"]')

        _choose(page, "1:1")
        _generate(page)
        page.wait_for_function("() => document.querySelector('#reframe_aspect input[value=\"1:1\"]').checked")
        page.wait_for_function(  # the square copy replaces the tall one
            f"() => {{ const v = document.querySelector('{REFRAMED}'); return v && v.videoWidth === v.videoHeight }}",
            timeout=60000,
        )
        assert _reframed_size(page, tmp_path, "square") == (720, 720)
    assert fal.seen == []
