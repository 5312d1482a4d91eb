"""The page as a showcase sees it, in a real Chromium: formats Gradio's own check would refuse, no false
alarms, the numbers agreeing before and after, the job and its result in view."""

from __future__ import annotations

from tests.browser import open_page
from tests.fakes.media import ffmpeg_convert, probe_seconds
from tests.test_browser import ESTIMATE, expected_estimate, text_of

NO_ESTIMATE = "add a voice clip to see it"


def test_a_webm_voice_is_estimated_and_clearing_it_raises_no_toast(studio, fal, media, tmp_path):
    webm = ffmpeg_convert(media / "speech.wav", tmp_path / "speech.webm", "-c:a", "libopus")
    with open_page(studio) as page:
        page.set_input_files("#audio input[type=file]", str(webm))  # Chromium types it video/webm
        page.wait_for_function(f"document.querySelector('{ESTIMATE}').innerText.includes('billed as')", timeout=15000)
        assert expected_estimate(probe_seconds(webm)) in text_of(page, ESTIMATE)
        page.click('#audio button[aria-label="Clear"]')
        page.wait_for_function(f"document.querySelector('{ESTIMATE}').innerText.includes('{NO_ESTIMATE}')")
        page.set_input_files("#audio input[type=file]", str(media / "tone5.mp3"))  # replacing it: a clear first
        page.wait_for_function(f"document.querySelector('{ESTIMATE}').innerText.includes('5.0 s')", timeout=15000)
        page.wait_for_timeout(500)
        assert page.locator(".toast-body").count() == 0
