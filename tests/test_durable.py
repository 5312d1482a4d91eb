"""A paid render is never lost and the job stays in view — in Chromium, as visitors use the page.

Reload mid-job, a SIGKILLed app restarted, a videos folder that fails mid-job, and where the
status sits after Generate at desktop and phone sizes. Screenshots go to artifacts/.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.browser import history_tiles, open_page, screenshot
from tests.helpers import SERVER_KEY, fast_settings, running_app

ROOT = Path(__file__).resolve().parent.parent
STATUS = "#status"


def start_job(page, media: Path) -> str:
    """Upload, press Generate, wait until fal has the job; return its request id."""
    page.set_input_files("#image input[type=file]", str(media / "face.png"))
    page.set_input_files("#audio input[type=file]", str(media / "speech.wav"))
    page.wait_for_function("document.querySelector('#readiness').innerText.includes('Ready')", timeout=20000)
    page.click("#generate")
    page.wait_for_function(f"document.querySelector('{STATUS}').innerText.includes('Request id')", timeout=20000)
    request_id = page.inner_text(STATUS).split("Request id:")[1].split()[0].strip("`")
    # The pending run is in the browser's history (one round trip after acceptance), as a waiting tile.
    page.wait_for_function(
        "document.querySelector('#history .gallery-item .caption-label')?.innerText.startsWith('⏳')", timeout=5000
    )
    return request_id


def wait_for_video_in_history(page, request_id: str, seconds: float) -> None:
    try:
        page.wait_for_function(f"document.querySelector('{STATUS}').innerText.includes('Done')", timeout=seconds * 1000)
    except Exception:
        screenshot(page, "never-done")  # what the visitor saw instead, for whoever reads the failure
        raise
    page.wait_for_function(
        "() => { const v = document.querySelector('#video video'); return v && v.readyState >= 1 && v.duration > 0 }",
        timeout=15000,
    )
    # The history kept in the browser (encrypted in localStorage): the run's tile is its video's first frame now.
    page.wait_for_function(
        f"document.querySelector('#history .gallery-item img')?.src.includes('{request_id}.thumb')", timeout=5000
    )
    caption, _ = history_tiles(page, 1)[0]
    assert not caption.startswith("⏳")


def test_a_reload_mid_job_never_cancels_and_the_video_lands_in_the_history(studio, fal, media):
    fal.queue_seconds, fal.run_seconds = 0.5, 6.0
    with open_page(studio) as page:
        request_id = start_job(page, media)
        time.sleep(3)
        page.reload()
        page.wait_for_selector("#generate")
        wait_for_video_in_history(page, request_id, seconds=6.5 + 10)
        screenshot(page, "reloaded-mid-job")
    assert fal.cancels() == [] and len(fal.submits()) == 1


def test_a_killed_app_restarted_finds_its_job_and_the_page_gets_the_video(fake_fal, fal, media, tmp_path):
    fal.queue_seconds, fal.run_seconds = 0.5, 8.0
    port, data = _free_port(), tmp_path / "data"
    with _app_process(fake_fal.base_url, port, data) as first, open_page(f"http://127.0.0.1:{port}/") as page:
        request_id = start_job(page, media)
        first.send_signal(signal.SIGKILL)
        first.wait()
        with _app_process(fake_fal.base_url, port, data):
            _reload(page)
            page.wait_for_selector("#generate")
            wait_for_video_in_history(page, request_id, seconds=8.5 + 20)
            screenshot(page, "restarted-mid-job")
    assert fal.cancels() == [] and len(fal.submits()) == 1


def test_a_videos_folder_that_fails_mid_job_keeps_the_job_and_recover_brings_it_back(fal, media, tmp_path):
    fal.queue_seconds, fal.run_seconds = 0.5, 3.0
    videos = tmp_path / "videos"
    with running_app(fast_settings(), SERVER_KEY, videos) as url, open_page(url) as page:
        request_id = start_job(page, media)
        videos.rename(tmp_path / "videos-aside")
        videos.write_text("a file where the folder was: every write into it fails")  # root ignores permissions
        page.wait_for_function(f"document.querySelector('{STATUS}').innerText.includes('Not generated')", timeout=15000)
        message = page.inner_text(STATUS)
        assert request_id in message and "do not generate it again" in message and "could not save it" in message
        screenshot(page, "videos-folder-failed")
        videos.unlink()
        (tmp_path / "videos-aside").rename(videos)
        assert not list(videos.glob("*.part")) and not list(videos.glob(".*.part"))  # nothing half-written
        page.fill("#request_id textarea, #request_id input", request_id)
        page.click("#recover")
        page.wait_for_function(f"document.querySelector('{STATUS}').innerText.includes('Recovered')", timeout=15000)
        page.wait_for_function("document.querySelector('#video video')?.duration > 0", timeout=15000)
    assert len(fal.submits()) == 1


def test_the_status_is_in_view_right_after_generate_on_desktop_and_phone(studio, fal, media):
    fal.queue_seconds, fal.run_seconds = 0.5, 2.0
    for width, height in ((1280, 800), (390, 844)):
        with open_page(studio, viewport=(width, height)) as page:
            page.set_input_files("#image input[type=file]", str(media / "face.png"))
            page.set_input_files("#audio input[type=file]", str(media / "speech.wav"))
            page.wait_for_function("document.querySelector('#readiness').innerText.includes('Ready')", timeout=20000)
            page.click("#generate")
            page.wait_for_function(f"document.querySelector('{STATUS}').innerText.length > 0", timeout=10000)
            in_view = f"(r => r.top >= 0 && r.top + Math.min(r.height, 60) <= {height})"
            # The page scrolls it into view; on a busy machine that may take more than a moment.
            page.wait_for_function(
                f"{in_view}(document.querySelector('{STATUS}').getBoundingClientRect())", timeout=5000
            )
            box = page.locator(STATUS).bounding_box()
            assert box is not None and box["y"] >= 0 and box["y"] + min(box["height"], 60) <= height, (width, box)
            # The status changes every second: a separate polite region speaks its stage changes only.
            assert page.get_attribute(STATUS, "aria-live") is None
            assert page.get_attribute("#status-announcer", "aria-live") == "polite"
            page.screenshot(path=str(screenshot(page, f"status-in-view-{width}x{height}")))


def _reload(page) -> None:
    """The page of a killed app may be reconnecting at that moment, which aborts one navigation: try again."""
    from playwright.sync_api import Error as PlaywrightError  # only where a browser runs

    for attempt in range(3):
        try:
            page.reload()
            return
        except PlaywrightError:
            if attempt == 2:
                raise
            time.sleep(1)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def _app_process(fal_url: str, port: int, data: Path, extra_env: dict[str, str] | None = None):
    """The app as `python app.py` runs it, on the fake fal, with a fixed history secret so history outlives it."""
    env = {
        **os.environ,
        "BENCH_FAL_URL": fal_url,
        "FAL_KEY": SERVER_KEY,
        "KLING_STUDIO_DATA": str(data),
        "KLING_STUDIO_HISTORY_SECRET": "a-fixed-secret-for-this-test",
        "GRADIO_SERVER_NAME": "127.0.0.1",
        "GRADIO_SERVER_PORT": str(port),
        "PYTHONPATH": str(ROOT),
        **(extra_env or {}),
    }
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "fakes" / "app_on_fake.py")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
