"""axe-core in a real Chromium: no serious or critical violation, light and dark, phone and laptop —
on the first screen and with a finished video on it. One name per control, and a status that speaks
stage changes only."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser import open_page
from tests.test_browser import ESTIMATE, set_inputs, watch_status_until

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
AXE_INSTALL = "npm install --no-save --no-package-lock --prefix tests axe-core@4.14"


def serious_violations(page, parts: list[str] | None = None) -> list[str]:
    """On the whole page, or only inside `parts` (selectors)."""
    if not AXE.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"axe-core is missing but CI is set: {AXE_INSTALL}")
        pytest.skip(f"axe-core not installed ({AXE_INSTALL})")
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async (parts) => (await axe.run(parts ? {include: parts.map((p) => [p])} : document,
                {resultTypes: ["violations"]})).violations
            .filter((v) => v.impact === "serious" || v.impact === "critical")
            .flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(" ")} — ${n.failureSummary}`))""",
        parts,
    )
    return found


def repeated_names(page) -> list[str]:
    """Visible buttons that share an accessible name: the inputs' (two "Upload file" are two guesses) and every
    button of the app's own (Stop, Stop all, each "Use …" of the comparison)."""
    return page.evaluate(
        """() => { const seen = {};
          for (const b of document.querySelectorAll("#image button, #audio button, button[id]")) {
            if (!b.checkVisibility()) continue;
            const name = (b.getAttribute("aria-label") || b.innerText).trim();
            seen[name] = (seen[name] || 0) + 1; }
          return Object.entries(seen).filter(([, n]) => n > 1).map(([name]) => name); }"""
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [(390, 844), (1280, 800)], ids=["phone", "laptop"])
def test_axe_finds_nothing_serious(studio, fal, media, scheme, viewport):
    with open_page(studio, viewport=viewport, color_scheme=scheme) as page:
        page.wait_for_timeout(500)
        assert serious_violations(page) == []
        set_inputs(page, media / "face.png", media / "speech.wav")
        page.wait_for_function(f"document.querySelector('{ESTIMATE}').innerText.includes('billed as')", timeout=15000)
        page.wait_for_function("document.querySelector('#readiness').innerText.includes('Ready')", timeout=15000)
        assert repeated_names(page) == []
        page.click("#generate")
        watch_status_until(page, "✅ Done")
        page.wait_for_function("document.querySelector('#video video')")
        # The run's tile in the history shows its first frame a moment after the video (made after it is kept).
        page.wait_for_function("document.querySelector('#history .gallery-item img')?.src.includes('.thumb')")
        page.wait_for_timeout(500)  # the page's repairs run on the next frame after Gradio redraws
        assert serious_violations(page) == []
        for panel in ("#compare_panel", "#post_panel"):  # every Stop, Use and panel button in view at once
            page.click(f"{panel} button")
        page.wait_for_selector("#compare_use_1", state="visible")
        assert repeated_names(page) == []
