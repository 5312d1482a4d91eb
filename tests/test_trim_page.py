"""Save before paying, in a real Chromium: the offer under the estimate, its figures, the lower estimate after."""

from __future__ import annotations

import asyncio

from components.inputs.trimming import Trimming
from tests.browser import open_page, screenshot
from tests.helpers import PRO
from tests.speech_fixtures import needs_espeak
from tests.test_accessibility import serious_violations
from tests.test_studio import make_studio
from tests.test_trim_silence import voice_with_silences

BUTTON, OFFER, ESTIMATE = "#trim_silence", "#trim_offer", "#estimate"


def _wait_for_text(page, selector: str, text: str, timeout: float = 20000) -> None:
    page.wait_for_function(
        "([s, t]) => { const e = document.querySelector(s); return e && e.innerText.includes(t) }",
        arg=[selector, text],
        timeout=timeout,
    )


def _clock(seconds: float) -> str:
    """The audio player's length, as it shows it."""
    return f"\n0:{int(seconds):02d}\n"


@needs_espeak
def test_the_trim_offer_shows_its_figures_and_trimming_lowers_the_estimate(studio, fal, media, tmp_path):
    voice = voice_with_silences(tmp_path)
    bare, _ = make_studio(tmp_path)  # the same space.yaml: the figures the page must show
    offer = asyncio.run(Trimming(bare).offer(str(voice.path), PRO))
    assert offer is not None
    with open_page(studio) as page:
        assert page.input_value("#model input").startswith("Kling AI Avatar v2 Pro")
        page.set_input_files("#audio input[type=file]", str(voice.path))
        page.wait_for_selector(BUTTON, state="visible", timeout=20000)
        _wait_for_text(page, ESTIMATE, offer.before.describe())
        assert page.inner_text(BUTTON) == offer.button()  # "Trim 4.2 s of silence — save $0.46"
        assert f"save {offer.saving}" in offer.button() and offer.saving != "$0.00"
        both = page.inner_text(OFFER)
        assert offer.before.describe() in both and offer.after.describe() in both
        assert serious_violations(page) == []  # the offer's line, button and the shape choice (axe-core)

        # A voice without long silences: the offer goes.
        page.click('#audio button[aria-label="Clear"]')
        page.set_input_files("#audio input[type=file]", str(media / "speech.wav"))
        page.wait_for_selector(BUTTON, state="hidden", timeout=20000)
        _wait_for_text(page, ESTIMATE, "billed as")
        assert not page.is_visible(OFFER)

        page.click('#audio button[aria-label="Clear"]')
        page.set_input_files("#audio input[type=file]", str(voice.path))
        page.wait_for_selector(BUTTON, state="visible", timeout=20000)
        _wait_for_text(page, "#audio", _clock(voice.seconds))  # the player's length: as recorded
        screenshot(page, "trim-offer")
        page.click(BUTTON)
        _wait_for_text(page, ESTIMATE, offer.after.describe())  # the estimate drops to the trimmed figure
        _wait_for_text(page, OFFER, f"saving {offer.saving}")
        page.wait_for_selector(BUTTON, state="hidden", timeout=20000)
        _wait_for_text(page, "#audio", _clock(offer.plan.kept_seconds))  # the player holds the trimmed clip
    assert fal.seen == []
