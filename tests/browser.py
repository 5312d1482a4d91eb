"""Playwright on Debian's Chromium (Playwright cannot download its own browser here)."""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """Skip without a browser on a developer's machine; in CI a missing browser is a failure."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing but CI is set: install Debian's chromium package")
        pytest.skip("Chromium not found (install Debian's chromium package to run the browser tests)")
    return found


@contextmanager
def open_page(
    url: str,
    microphone_wav: Path | None = None,
    viewport: tuple[int, int] = (1280, 1000),
    timezone_id: str | None = None,
    color_scheme: str = "light",
):
    args = list(CHROMIUM_ARGS)
    if microphone_wav is not None:
        args += [
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={microphone_wav.resolve()}",
        ]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=args)
        context = browser.new_context(
            viewport={"width": viewport[0], "height": viewport[1]},
            permissions=["microphone"] if microphone_wav is not None else [],
            timezone_id=timezone_id,
            color_scheme=color_scheme,
        )
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector("#generate")
        try:
            yield page
        finally:
            browser.close()


def in_view(page, selector: str) -> bool:
    """The element's whole box is inside the viewport (not merely somewhere on the page)."""
    return page.eval_on_selector(
        selector,
        "e => { const r = e.getBoundingClientRect(); return r.height > 0 && r.top >= 0 && r.bottom <= innerHeight }",
    )


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    return target


def history_tiles(page, count: int, timeout: float = 15000) -> list[tuple[str, str]]:
    """(caption, picture address) of each tile in the "Your runs" gallery, once there are `count` of them."""
    page.wait_for_function(
        f"document.querySelectorAll('#history .gallery-item').length === {count}"
        " && [...document.querySelectorAll('#history .gallery-item img')].every(i => i.complete && i.naturalWidth > 0)",
        timeout=timeout,
    )
    return page.eval_on_selector_all(
        "#history .gallery-item",
        "items => items.map(i => [i.querySelector('.caption-label')?.innerText || '',"
        " i.querySelector('img')?.src || ''])",
    )
