"""What a visitor does, in a real Chromium: upload, record, generate, stop, get refused."""

from __future__ import annotations

import json
import re
import time

from components.spending.pricing import billed_seconds
from tests.browser import history_tiles, open_page, screenshot
from tests.fakes.media import probe_seconds, tone_wav

ESTIMATE = "#estimate"
STATUS = "#status"


def expected_estimate(seconds: float, price: float = 0.115) -> str:
    billed = billed_seconds(seconds)
    return f"{seconds:.1f} s, billed as {billed} s × ${price:g}/s = ${billed * price + 1e-9:.2f}"


def set_inputs(page, image, audio) -> None:
    page.set_input_files("#image input[type=file]", str(image))
    page.set_input_files("#audio input[type=file]", str(audio))


def text_of(page, selector: str) -> str:
    return page.inner_text(selector)


def watch_status_until(page, done: str, seconds: float = 30) -> list[str]:
    """Every distinct status text the visitor saw until `done` appeared."""
    seen: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        current = text_of(page, STATUS)
        if not seen or seen[-1] != current:
            seen.append(current)
        if done in current:
            return seen
        time.sleep(0.05)
    raise AssertionError(f"never saw {done!r}; saw {seen}")


def video_duration(page) -> float:
    page.wait_for_function(
        "() => { const v = document.querySelector('#video video'); return v && v.readyState >= 1 && v.duration > 0 }",
        timeout=15000,
    )
    return page.evaluate("document.querySelector('#video video').duration")


def test_upload_estimate_generate_and_watch(studio, fal, media):
    fal.queue_seconds, fal.run_seconds = 1.0, 1.5
    audio_seconds = probe_seconds(media / "speech.wav")
    with open_page(studio) as page:
        set_inputs(page, media / "face.png", media / "speech.wav")
        page.wait_for_function(f"document.querySelector('{ESTIMATE}').innerText.includes('billed as')", timeout=15000)
        assert expected_estimate(audio_seconds) in text_of(page, ESTIMATE)
        page.wait_for_function("document.querySelector('#readiness').innerText.includes('Ready')", timeout=15000)
        page.click("#generate")
        stages = watch_status_until(page, "Done")
        assert any(re.search(r"Queued at fal — position \d+ in line", s) for s in stages)
        assert any("Generating the video" in s and "Rendering frame batch" in s for s in stages)
        assert abs(video_duration(page) - audio_seconds) < 0.3
        assert fal.submits()[0].request_id in text_of(page, STATUS)
        page.wait_for_function("document.querySelector('#stop').disabled", timeout=5000)
        screenshot(page, "upload-path")


def test_microphone_recording_to_video(studio, fal, media):
    with open_page(studio, microphone_wav=media / "speech.wav") as page:
        page.set_input_files("#image input[type=file]", str(media / "face.png"))
        page.click('#audio button[aria-label="Record audio"]')
        page.click("#audio button.record-button")
        time.sleep(3)
        page.click("#audio button.stop-button")
        page.wait_for_function(f"document.querySelector('{ESTIMATE}').innerText.includes('billed as')", timeout=15000)
        recorded = float(re.search(r"([\d.]+) s, billed as", text_of(page, ESTIMATE)).group(1))  # not the billed
        assert 2.5 <= recorded <= 4.5
        page.click("#generate")
        watch_status_until(page, "Done")
        assert abs(video_duration(page) - recorded) < 0.5
        sent = fal.files[fal.submits()[0].arguments["audio_url"].rsplit("/", 1)[1]]
        assert sent.suffix == ".mp3"  # the browser's WAV was re-encoded before upload
        screenshot(page, "microphone-path")


def test_stop_cancels_at_fal_and_says_so(studio, fal, media):
    fal.queue_seconds, fal.run_seconds = 0.2, 60
    with open_page(studio) as page:
        set_inputs(page, media / "face.png", media / "speech.wav")
        page.wait_for_function(f"document.querySelector('{ESTIMATE}').innerText.includes('billed as')", timeout=15000)
        assert page.is_disabled("#stop"), "Stop is offered with no job running"
        page.click("#generate")
        watch_status_until(page, "Generating the video")
        page.click("#stop")
        seen = watch_status_until(page, "Cancel requested at fal", seconds=10)
        assert fal.submits()[0].request_id in seen[-1] and "may still finish it and charge" in seen[-1]
        page.wait_for_function("document.querySelector('#stop').disabled", timeout=5000)
        deadline = time.monotonic() + 10
        while not fal.cancels() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert fal.cancels() == [f"/fal-ai/kling-video/requests/{fal.submits()[0].request_id}/cancel"]
        screenshot(page, "stopped")


def test_refused_input_is_explained_and_generate_still_works(studio, fal, media, tmp_path):
    short = tone_wav(tmp_path / "short.wav", 1.0)
    with open_page(studio) as page:
        set_inputs(page, media / "face.png", short)
        page.wait_for_function(f"document.querySelector('{ESTIMATE}').innerText.includes('too short')", timeout=15000)
        page.wait_for_function("document.querySelector('#readiness').innerText.includes('Not ready')", timeout=15000)
        assert "too short: 1.0 s" in text_of(page, "#readiness")  # said before any click
        page.click("#generate")
        page.wait_for_function(f"document.querySelector('{STATUS}').innerText.includes('Not generated')", timeout=10000)
        assert "too short" in text_of(page, STATUS)
        screenshot(page, "refused-input")
        page.wait_for_function("document.querySelector('#stop').disabled", timeout=5000)  # nothing to stop
        assert page.locator(".toast-body").count() == 0  # said once, in the status, not again in a toast
        assert fal.seen == []
        page.click('#audio button[aria-label="Clear"]')
        page.set_input_files("#audio input[type=file]", str(media / "speech.wav"))
        page.wait_for_function(f"!document.querySelector('{ESTIMATE}').innerText.includes('too short')", timeout=15000)
        page.click("#generate")
        watch_status_until(page, "Done")
        assert len(fal.submits()) == 1


def test_keyless_page_previews_and_remembers_across_a_reload(keyless, fal, media):
    audio_seconds = probe_seconds(media / "speech.wav")
    stored = "localStorage.getItem('kling-avatar-studio-runs')"
    with open_page(keyless) as page:
        empty_history = page.evaluate(stored)
        set_inputs(page, media / "face.png", media / "speech.wav")
        page.wait_for_function("document.querySelector('#readiness').innerText.includes('Ready')", timeout=15000)
        page.click("#generate")
        watch_status_until(page, "Done")
        assert "Preview — rendered locally, not Kling" in text_of(page, STATUS)
        assert abs(video_duration(page) - audio_seconds) < 0.3
        # The run is written to the browser's storage just after the video arrives.
        page.wait_for_function(f"{stored} !== {json.dumps(empty_history)}", timeout=10000)
        page.reload()
        page.wait_for_selector("#generate")
        ((caption, _picture),) = history_tiles(page, 1)
        assert re.match(r"Local preview \(not Kling\) · \d+\.\d s · Free · ", caption)
        page.click("#history .gallery-item button")
        watch_status_until(page, "Re-opened from your history")
        assert abs(video_duration(page) - audio_seconds) < 0.3
        screenshot(page, "preview-history")
    assert fal.seen == []
