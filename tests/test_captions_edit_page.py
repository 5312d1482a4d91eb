"""A recorded voice's captions in a real Chromium: the cost shown before, the words heard by the fake fal's
speech-to-text, one caption edited, and the edit is what the downloads, the player and the burn-in use."""

from __future__ import annotations

import hashlib
import re

from components.posting.cue_edits import read_cues
from components.posting.framing import to_ass
from tests.browser import open_page, screenshot
from tests.fakes.media import probe_seconds
from tests.test_accessibility import serious_violations
from tests.test_browser import set_inputs, watch_status_until

COST = "#captions_cost"
CAPTIONS_PARTS = ["#make_captions", COST, "#captions_vtt", "#captions_srt", "#captions_edit", "#save_caption_edits"]


def test_a_recorded_voice_s_captions_are_priced_edited_and_burned_as_edited(studio, fal, media):
    seconds = probe_seconds(media / "speech.wav")
    with open_page(studio) as page:
        set_inputs(page, media / "face.png", media / "speech.wav")  # an uploaded voice on Kling (the owner's key)
        page.wait_for_function("document.querySelector('#readiness').innerText.includes('Ready')", timeout=15000)
        page.click("#generate")
        watch_status_until(page, "Done")
        page.click("#post_panel button >> nth=0")  # open the accordion
        before = f"Captions from the voice: {seconds:.0f} s → $0.01 on fal's speech-to-text"
        page.wait_for_function(f"document.querySelector('{COST}').innerText.includes({before!r})", timeout=15000)
        assert [job.endpoint for job in fal.submits()] == ["fal-ai/kling-video/ai-avatar/v2/pro"]  # nothing paid yet

        left = page.inner_text("#allowance")
        page.click("#make_captions")
        page.wait_for_function(
            "() => document.querySelector('#captions_edit textarea').value.includes('Hello!')", timeout=20000
        )
        page.wait_for_function(  # what is left today follows what the captions spent
            "(left) => document.querySelector('#allowance').innerText !== left", arg=left, timeout=15000
        )
        (heard,) = [job for job in fal.submits() if job.endpoint == "fal-ai/wizper"]
        after = page.inner_text(COST)
        assert before in after and heard.request_id in after  # the cost recorded after, with fal's request id

        made = page.input_value("#captions_edit textarea")
        edited = made.replace("Hello!", "Howdy, edited words!")
        page.fill("#captions_edit textarea", edited)
        page.click("#save_caption_edits")
        page.wait_for_function(f"document.querySelector('{COST}').innerText.includes('Your edited captions')")
        page.wait_for_function(  # the player's soft subtitles are the edited ones
            "() => { const t = document.querySelector('#video video track');"
            " return t && t.track && t.track.cues && t.track.cues.length > 0"
            " && t.track.cues[0].text === 'Howdy, edited words!' }",
            timeout=15000,
        )
        for download in ("#captions_srt", "#captions_vtt"):
            link = page.get_attribute(f"{download} a[download]", "href")
            assert "Howdy, edited words!" in page.request.get(link).text()
        assert serious_violations(page, CAPTIONS_PARTS) == []  # the price, the editor, its button, the downloads

        page.check("#burn_captions input")
        page.click("#reframe")
        source = page.wait_for_function(
            "() => { const v = document.querySelector('#reframed video');"
            " return v && v.videoHeight > 0 && v.currentSrc }",
            timeout=60000,
        ).json_value()
        video_seconds = page.evaluate("document.querySelector('#video video').duration")
        burned = to_ass(read_cues(edited, video_seconds), "9:16")
        assert re.search(f"captioned-{hashlib.sha256(burned.encode()).hexdigest()[:8]}", source), source
        screenshot(page, "captions-edited")
    assert len([job for job in fal.submits() if job.endpoint == "fal-ai/wizper"]) == 1  # heard once, paid once


def test_without_a_key_the_panel_says_one_is_needed_and_typed_words_are_free(keyless, fal, media):
    with open_page(keyless) as page:
        set_inputs(page, media / "face.png", media / "speech.wav")  # the free preview, from an uploaded voice
        page.wait_for_function("document.querySelector('#readiness').innerText.includes('Ready')", timeout=15000)
        page.click("#generate")
        watch_status_until(page, "Done")
        page.click("#post_panel button >> nth=0")
        needs = "Captions for a recorded or uploaded voice need a fal key"
        page.wait_for_function(f"document.querySelector('{COST}').innerText.includes({needs!r})", timeout=15000)
        page.click("#make_captions")
        page.wait_for_selector(".toast-body", timeout=15000)
        assert needs in page.inner_text(".toast-body")
        assert fal.seen == []  # nothing reached fal: no key, no request

        # The sentence's other way: the words typed as the script make the captions free.
        page.get_by_role("tab", name="… or type a script").click()
        page.fill("#script textarea", "Hello! I am a talking avatar, made with Kling.")
        page.click("#captions_cost")  # the script box loses the focus
        page.wait_for_function(f"document.querySelector('{COST}').innerText.includes('Captions from the script: free')")
        page.click("#make_captions")
        page.wait_for_function(
            "() => document.querySelector('#captions_edit textarea').value.includes('made with Kling.')", timeout=20000
        )
    assert fal.seen == []
