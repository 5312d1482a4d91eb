"""The page as a showcase sees it, in a real Chromium: formats Gradio's own check would refuse, no false
alarms, the numbers agreeing before and after, the job and its result in view."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.browser import in_view, open_page, screenshot
from tests.fakes.media import ffmpeg_convert, probe_seconds
from tests.helpers import SERVER_KEY, fast_settings, running_app
from tests.test_browser import ESTIMATE, STATUS, expected_estimate, set_inputs, text_of, watch_status_until

NO_ESTIMATE = "add a voice clip to see it"
README_SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "screenshot.png"


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


PHONE, LAPTOP = (390, 844), (1280, 800)


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_the_job_and_its_result_stay_in_view(studio, fal, media, viewport):
    fal.queue_seconds, fal.run_seconds = 0.5, 2.5
    with open_page(studio, viewport=viewport, timezone_id="Asia/Kolkata") as page:
        set_inputs(page, media / "face.png", media / "speech.wav")
        page.wait_for_function("document.querySelector('#readiness').innerText.includes('Ready')", timeout=15000)
        page.wait_for_function(f"document.querySelector('{ESTIMATE}').innerText.includes('billed as')", timeout=15000)
        quoted = re.search(r"= (\$[\d.]+)", text_of(page, ESTIMATE)).group(1)
        page.click("#generate")
        page.wait_for_function(f"document.querySelector('{STATUS} progress')", timeout=15000)
        assert in_view(page, STATUS)
        if viewport == PHONE:  # the pinned status leaves Stop in reach, above it
            stop, status = page.locator("#stop").bounding_box(), page.locator(STATUS).bounding_box()
            assert in_view(page, "#stop") and stop["y"] + stop["height"] <= status["y"], (stop, status)
        assert page.is_hidden("#readiness")  # "Ready" does not stand under a running job
        assert re.search(r"… \d+ % · Kling Avatar Studio$", page.title())
        assert page.get_attribute(STATUS, "aria-live") is None  # it changes every second; the announcer speaks
        finish = page.inner_text(f"{STATUS} time")
        assert "UTC" not in finish and finish == page.evaluate(
            "new Date(document.querySelector('#status time').getAttribute('datetime'))"
            ".toLocaleTimeString([], {hour: '2-digit', minute: '2-digit', timeZone: 'Asia/Kolkata'})"
        )
        watch_status_until(page, "✅ Done")
        assert f"actual cost {quoted}" in text_of(page, STATUS)  # fal returned the audio's length: same dollars
        page.wait_for_function("document.querySelector('#video video')")
        page.wait_for_timeout(300)
        assert in_view(page, "#video video") and page.title().startswith("Done")
        assert page.evaluate("document.querySelector('#video video').muted")
        assert page.inner_text("#status-announcer").startswith("✅ Done")
        with page.expect_download() as saved:
            page.click("#video a[download]")
        request_id = fal.submits()[-1].request_id
        assert re.fullmatch(
            rf"kling-avatar-studio-\d{{4}}-\d\d-\d\d-\d{{4}}-{request_id}\.mp4", saved.value.suggested_filename
        )
        screenshot(page, f"done-{viewport[0]}")
        if viewport == LAPTOP:  # the README's picture is this moment, as a laptop's screen shows it
            page.evaluate("window.scrollTo(0, 0)")
            below = page.locator("#skip_face_check").bounding_box()  # down to the controls; not the test's budget
            height = min(800, below["y"] + below["height"] + 16)
            page.screenshot(path=str(README_SCREENSHOT), clip={"x": 0, "y": 0, "width": 1280, "height": height})


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_a_failed_recover_says_so_in_view(studio, fal, viewport):
    with open_page(studio, viewport=viewport) as page:
        page.fill("#request_id textarea, #request_id input", "no-such-request")
        page.click("#recover")
        page.wait_for_function(f"document.querySelector('{STATUS}').innerText.includes('❌')", timeout=15000)
        page.wait_for_timeout(300)
        assert in_view(page, STATUS) and page.title().startswith("Failed")


def test_a_reload_keeps_the_jobs_clock(fal, media, tmp_path, monkeypatch):
    fal.queue_seconds, fal.run_seconds = 0.2, 20
    # A Gradio cache of its own: closing this app deletes its files, the session app's example copies among them.
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    stored = "localStorage.getItem('kling-avatar-studio-runs')"
    with running_app(fast_settings(timeout_seconds=60), SERVER_KEY, tmp_path) as url, open_page(url) as page:
        empty_history = page.evaluate(stored)
        set_inputs(page, media / "face.png", media / "speech.wav")
        page.wait_for_function("document.querySelector('#readiness').innerText.includes('Ready')", timeout=15000)
        page.click("#generate")
        watch_status_until(page, "Request id")
        page.wait_for_function(f"{stored} !== {json.dumps(empty_history)}", timeout=10000)  # the pending run
        page.wait_for_timeout(10_000 - 1000 * fal.queue_seconds)
        page.reload()
        watch_status_until(page, "✅ Done", seconds=40)
        took = int(re.search(r"Done in (\d+) s", page.inner_text(STATUS)).group(1))
        assert 19 <= took <= 25, took  # the whole job, not the 10 s since the reload


KOKORO = "fal-ai/kokoro/american-english:af_heart"
SCRIPT = "Hello! This voice was typed as a script, spoken on fal, then animated."


def test_a_typed_script_one_total_ready_playable_and_costed_when_done(studio, fal, media):
    with open_page(studio) as page:
        page.set_input_files("#image input[type=file]", str(media / "face.png"))
        page.get_by_role("tab", name="… or type a script").click()
        page.fill("#script textarea", SCRIPT)
        page.click("#voice input")
        page.get_by_role("option", name=re.compile(r"Kokoro.*Heart")).first.click()
        page.wait_for_function("document.querySelector('#script_estimate').innerText.includes('Total')", timeout=10000)
        page.wait_for_function(f"document.querySelector('{ESTIMATE}').innerText.includes('Total')", timeout=10000)
        total = re.search(r"Total[^*\n]*", text_of(page, "#script_estimate")).group(0)
        assert total in text_of(page, ESTIMATE)  # one total on the page
        page.wait_for_function("document.querySelector('#readiness').innerText.includes('script is spoken first')")
        page.click("#generate")
        watch_status_until(page, "✅ Done", seconds=40)
        assert re.search(
            r"🔊 Voice under \$0\.01 \+ video \$[\d.]+ = \*?\*?\$[\d.]+", text_of(page, STATUS).replace("**", "")
        )
        page.click("#speak")
        page.wait_for_function("document.querySelector('#script_estimate').innerText.includes('Speaking the script')")
        page.wait_for_function(
            "document.querySelector('#script_estimate').innerText.includes('Spoken:')", timeout=30000
        )
        page.wait_for_function("document.querySelector('#spoken a[download]')?.href.includes('script-')", timeout=10000)
        screenshot(page, "script-spoken-player")


def test_choosing_an_example_on_a_phone_shows_the_filled_inputs_and_the_price(studio, fal):
    with open_page(studio, viewport=PHONE) as page:
        cell = page.locator('[data-testid="dataset-cell-1-0"]')
        assert page.get_attribute('[data-testid="dataset-cell-1-0"] img', "alt") == "Example portrait person.png"
        cell.click()
        page.wait_for_function(f"document.querySelector('{ESTIMATE}').innerText.includes('billed as')", timeout=15000)
        page.wait_for_timeout(1800)
        assert in_view(page, ESTIMATE)
        top = page.eval_on_selector("#audio", "e => e.getBoundingClientRect().top")
        assert 0 <= top < 844, top  # the filled voice is on screen, above the price


@pytest.mark.parametrize("has_key", [True, False], ids=["app-key", "no-key"])
def test_a_phone_first_screen_reaches_generate(studio, fal, has_key, tmp_path):
    """A stakeholder opening the link on a phone sees the pitch, both inputs and the Generate button at once."""
    if has_key:
        with open_page(studio, viewport=PHONE) as page:
            page.wait_for_timeout(800)
            assert in_view(page, "#generate") and in_view(page, "#model")
        return
    with running_app(fast_settings(), None, tmp_path / "videos") as url, open_page(url, viewport=PHONE) as page:
        page.wait_for_timeout(800)
        assert in_view(page, "#generate") and in_view(page, "#image") and in_view(page, "#audio")
