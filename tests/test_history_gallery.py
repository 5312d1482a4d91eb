"""The runs kept in this browser as a gallery of first frames, newest first, at laptop and phone size."""

from __future__ import annotations

import re

import pytest

from tests.browser import history_tiles, open_page, screenshot
from tests.fakes.media import probe_seconds
from tests.test_browser import watch_status_until

PLAYED_STEM = "() => (document.querySelector('#video video')?.currentSrc.match(/preview-[0-9a-f]{12}/) || [''])[0]"
CAPTION = re.compile(r"^Local preview \(not Kling\) · (\d+\.\d) s · Free · \d{4}-\d\d-\d\d \d\d:\d\d UTC$")


def preview(page, audio, before: str = "") -> str:
    """Generate with this voice; the new video's name once the player shows it."""
    page.set_input_files("#audio input[type=file]", str(audio))
    page.wait_for_function("document.querySelector('#readiness').innerText.includes('Ready')", timeout=15000)
    page.click("#generate")
    return page.wait_for_function(
        f"(() => {{ const s = ({PLAYED_STEM})(); return s && s !== '{before}' && s }})", timeout=30000
    ).json_value()


@pytest.mark.parametrize("viewport", [(1280, 800), (390, 844)], ids=["laptop", "phone"])
def test_two_runs_show_as_two_tiles_newest_first_and_the_older_one_opens(keyless, fal, media, viewport):
    with open_page(keyless, viewport=viewport) as page:
        page.set_input_files("#image input[type=file]", str(media / "face.png"))
        older = preview(page, media / "speech.wav")
        history_tiles(page, 1)
        page.click('#audio button[aria-label="Clear"]')
        newer = preview(page, media / "tone5.mp3", before=older)
        tiles = history_tiles(page, 2)
        (new_caption, new_picture), (old_caption, old_picture) = tiles
        assert f"{newer}.thumb" in new_picture and f"{older}.thumb" in old_picture  # each run's own first frame
        for caption, audio in ((new_caption, "tone5.mp3"), (old_caption, "speech.wav")):
            found = CAPTION.match(caption)
            assert found, caption
            assert abs(float(found.group(1)) - probe_seconds(media / audio)) < 0.3
        names = page.eval_on_selector_all("#history .gallery-item button", "bs => bs.map(b => b.ariaLabel)")
        assert names[0].startswith(new_caption) and names[0].count(" UTC") == 1, names  # no stale caption kept
        page.locator("#history .gallery-item button").nth(1).click()
        watch_status_until(page, "Re-opened from your history")
        page.wait_for_function(f"({PLAYED_STEM})() === '{older}'", timeout=15000)
        page.wait_for_function(
            "() => { const v = document.querySelector('#video video');"
            " return v && v.readyState >= 1 && v.duration > 0 }",
            timeout=15000,
        )
        assert page.locator("#video a[download], #video button[aria-label*='ownload']").count() >= 1
        screenshot(page, f"history-gallery-{viewport[0]}x{viewport[1]}")
    assert fal.seen == []
