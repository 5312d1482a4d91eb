"""Share in a real Chromium: the link plays the video (and its captions) in a fresh browser with no history;
a wrong token gets a sentence; with sharing off there is no Share button and an old link opens nothing."""

from __future__ import annotations

import dataclasses
import json
import re

from gradio_client import Client, handle_file

from components.sharing.sharing import NO_SUCH_LINK
from tests.browser import open_page, screenshot
from tests.helpers import PREVIEW, fast_settings, running_app
from tests.test_browser import watch_status_until
from tests.test_posting import SCRIPT

PLAYED_STEM = "() => (document.querySelector('#video video')?.currentSrc.match(/preview-[0-9a-f]{12}/) || [''])[0]"
PLAYING = (
    "() => { const v = document.querySelector('#video video');"
    " return v && v.readyState >= 2 && !v.paused && v.currentTime > 0.2 }"
)
FIRST_CUE = (
    "() => { const t = document.querySelector('#video video track');"
    " return t && t.track && t.track.cues && t.track.cues.length > 0 && t.track.cues[0].text }"
)


def make_captioned_preview(page, media) -> None:
    page.set_input_files("#image input[type=file]", str(media / "face.png"))
    page.get_by_role("tab", name="… or type a script").click()
    page.fill("#script textarea", SCRIPT)
    page.click("#generate")
    watch_status_until(page, "Done")
    page.click("#post_panel button >> nth=0")  # open the accordion
    page.wait_for_function(
        "() => { const t = document.querySelector('#post_run textarea'); return t && t.value.startsWith('preview-') }"
    )
    page.click("#make_captions")
    page.wait_for_selector("#captions_vtt a[download]", timeout=20000)


def test_a_shared_link_plays_the_video_and_its_captions_in_a_fresh_browser(keyless, fal, media):
    with open_page(keyless) as page:
        make_captioned_preview(page, media)
        made = page.wait_for_function(PLAYED_STEM).json_value()
        page.click("#share")
        link = page.wait_for_function(
            "() => { const t = document.querySelector('#share_link textarea');"
            " return t && t.value.includes('?share=') && t.value }",
            timeout=15000,
        ).json_value()
        stranger = page.context.browser.new_context(viewport={"width": 1280, "height": 800})  # no storage, no history
        other = stranger.new_page()
        other.goto(link)
        other.wait_for_function(PLAYING, timeout=20000)
        assert other.evaluate(PLAYED_STEM) == made
        assert "A video shared with you" in other.inner_text("#status")
        assert other.wait_for_function(FIRST_CUE, timeout=15000).json_value() == "Hello!"
        assert other.locator("#history .gallery-item").count() == 0  # not the stranger's run: not in their history
        screenshot(other, "shared-link")
        other.goto(re.sub(r"share=.*", "share=" + "A" * 43, link))  # a well-formed token nobody was given
        other.wait_for_function(f"document.querySelector('#status')?.innerText.includes({json.dumps(NO_SUCH_LINK)})")
        assert other.evaluate("document.querySelector('#video video')") is None
    assert fal.seen == []


def test_with_sharing_off_no_share_button_and_an_old_link_opens_nothing(fake_fal, media, tmp_path):
    data, videos = tmp_path / "data", tmp_path / "videos"
    with running_app(fast_settings(), None, videos, data_dir=data) as url:
        client = Client(url, verbose=False)
        face, voice = handle_file(str(media / "face.png")), handle_file(str(media / "speech.wav"))
        _, _, record = client.predict(face, voice, ".", PREVIEW, "", api_name="/generate")
        token = client.predict(json.loads(record)["video"], "", api_name="/share").split("?share=")[1]
    off = dataclasses.replace(fast_settings(), sharing_enabled=False)
    with running_app(off, None, videos, data_dir=data) as url, open_page(url) as page:  # the same data, restarted
        assert not page.locator("#share").is_visible() and not page.locator("#share_link").is_visible()
        page.goto(f"{url}?share={token}")
        page.wait_for_function("document.querySelector('#status')?.innerText.includes('Sharing is switched off')")
        assert page.evaluate("document.querySelector('#video video')") is None
        assert not page.locator("#share").is_visible()
