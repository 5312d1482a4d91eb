"""Ready to post in a real Chromium: a typed script's preview gets captions shown in the player, and a 9:16 copy."""

from __future__ import annotations

from tests.browser import open_page, screenshot
from tests.test_browser import watch_status_until
from tests.test_posting import SCRIPT


def test_captions_play_in_the_player_and_download(keyless, fal, media):
    with open_page(keyless) as page:
        page.set_input_files("#image input[type=file]", str(media / "face.png"))
        page.get_by_role("tab", name="… or type a script").click()
        page.fill("#script textarea", SCRIPT)
        page.click("#generate")
        watch_status_until(page, "Done")
        page.click("#post_panel button >> nth=0")  # open the accordion
        page.wait_for_function(  # the accordion draws its contents once opened
            "() => { const t = document.querySelector('#post_run textarea');"
            " return t && t.value.startsWith('preview-') }"
        )
        page.wait_for_function(  # a typed script's captions: said to be free before they are made
            "document.querySelector('#captions_cost').innerText.includes('Captions from the script: free')"
        )
        page.click("#make_captions")
        page.wait_for_selector("#captions_vtt a[download]", timeout=20000)
        assert ".vtt" in page.inner_text("#captions_vtt") and ".srt" in page.inner_text("#captions_srt")
        # Soft subtitles: a caption track on the page's own player, its cues the script's phrases.
        # Read inside the wait: the player may re-render between a wait and a separate read.
        first = page.wait_for_function(
            "() => { const t = document.querySelector('#video video track');"
            " return t && t.track && t.track.cues && t.track.cues.length > 0 && t.track.cues[0].text }",
            timeout=15000,
        ).json_value()
        assert first == "Hello!"
        page.click("#reframe")
        size = page.wait_for_function(
            "() => { const v = document.querySelector('#reframed video');"
            " return v && v.videoHeight > 0 && [v.videoWidth, v.videoHeight] }",
            timeout=60000,
        ).json_value()
        assert size == [720, 1280]
        screenshot(page, "ready-to-post")
        # Another run in the player: the earlier run's captions and reframed copy go with it, burning unticked.
        page.check("#burn_captions input")
        old_run = page.input_value("#post_run textarea")
        page.fill("#script textarea", "A second take, with other words.")
        page.click("#generate")
        watch_status_until(page, "Done")
        page.wait_for_function(
            "(old) => { const t = document.querySelector('#post_run textarea'); return t?.value && t.value !== old }",
            arg=old_run,
        )
        page.wait_for_function(
            "() => !document.querySelector('#captions_vtt a[download]') && !document.querySelector('#reframed video')"
            " && !document.querySelector('#video video track')?.track?.cues?.length",
            timeout=15000,
        )
        assert not page.is_checked("#burn_captions input")
    assert fal.seen == []
