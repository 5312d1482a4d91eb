"""No voice clip? Type a script: /speak (offline and fal voices) → estimate → generate, end to end."""

from __future__ import annotations

import dataclasses
import json

import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from tests.browser import open_page, screenshot
from tests.fakes.media import probe_seconds
from tests.helpers import PRO, SERVER_KEY, UNLIMITED, fast_settings, running_app
from tests.mcp_client import list_tools

SCRIPT = "Hello! I am a talking avatar. This voice was typed as a script, then spoken before the video was made."
KOKORO = "fal-ai/kokoro/american-english:af_heart"


def speak(client: Client, text: str, voice: str) -> str:
    clip, said = client.predict(text, voice, "", api_name="/speak")
    assert f"Spoken: {probe_seconds(clip):.1f} s" in said  # its length, and its cost, come back with it
    return clip


def generate(client: Client, media, audio: str | None, script: str = "", voice: str = "espeak:en-us") -> tuple:
    audio_file = handle_file(audio) if audio else None
    return client.predict(
        handle_file(str(media / "face.png")), audio_file, ".", PRO, "", False, script, voice, api_name="/generate"
    )


def test_an_offline_voice_is_spoken_estimated_and_animated(client, fal, media):
    spoken = speak(client, SCRIPT, "espeak:en-us")
    seconds = probe_seconds(spoken)
    assert 4 < seconds < 12 and fal.seen == []  # rendered on this machine, nothing sent to fal
    estimate = client.predict(handle_file(spoken), PRO, api_name="/estimate_cost")
    assert f"{seconds:.1f} s, billed as" in estimate
    video, status, record = generate(client, media, spoken)
    record = json.loads(record)  # the run record is one JSON document
    assert abs(probe_seconds(video) - seconds) < 0.3 and "Done" in status and record["request_id"]


def test_a_fal_voice_is_spoken_on_fal_and_its_audio_goes_into_the_video(client, fal, media):
    clip, said = client.predict(SCRIPT, KOKORO, "", api_name="/speak")
    assert "the voice: under $0.01" in said  # never "$0.00" for a voice that is paid for
    spoken = clip
    endpoints = [job.endpoint for job in fal.submits()]
    assert endpoints == ["fal-ai/kokoro/american-english"] and fal.submits()[0].arguments["voice"] == "af_heart"
    assert 4 < probe_seconds(spoken) < 12
    generate(client, media, spoken)
    assert [job.endpoint for job in fal.submits()][-1] == "fal-ai/kling-video/ai-avatar/v2/pro"


def test_generate_straight_from_a_script_speaks_it_first(client, fal, media):
    video, status, _ = generate(client, media, None, script=SCRIPT, voice="espeak:en-us")
    assert 4 < probe_seconds(video) < 12 and "Done" in status


@pytest.mark.parametrize(
    ("text", "voice", "sentence"),
    [
        ("   ", "espeak:en-us", "empty"),
        ("word " * 400, "espeak:en-us", "too long"),
        ("A long pitch, sentence after sentence. " * 123, KOKORO, "at most 300 s"),
        (SCRIPT, "fal-ai/kokoro/american-english:nobody", "not in the list of choices"),  # Gradio checks first
    ],
)
def test_a_refused_script_costs_nothing(client, fal, text, voice, sentence):
    with pytest.raises(AppError, match=sentence):
        speak(client, text, voice)
    assert fal.seen == []


def test_speak_is_an_mcp_tool_described_for_an_agent(studio):
    tool = list_tools(studio)["speak"]
    assert "typed script" in tool.description and "costs nothing" in tool.description
    assert "espeak:en-us" in tool.inputSchema["properties"]["voice"]["description"]


def test_the_page_shows_one_total_for_a_script_and_speak_fills_the_voice(studio, fal, media):
    with open_page(studio) as page:
        page.get_by_role("tab", name="… or type a script").click()
        page.fill("#script textarea", SCRIPT)
        page.wait_for_function("document.querySelector('#script_estimate').innerText.includes('Total')", timeout=10000)
        assert "Voice: Free" in page.inner_text("#script_estimate")
        assert "Total" in page.inner_text("#estimate")  # before Speak, the page's estimate is the script's
        page.click("#speak")
        page.wait_for_function(
            "document.querySelector('#script_estimate').innerText.includes('Spoken:')", timeout=20000
        )
        page.wait_for_function("!document.querySelector('#estimate').innerText.includes('Total')", timeout=20000)
        assert "billed as" in page.inner_text("#estimate")  # then the spoken clip's video
        said = page.inner_text("#script_estimate")
        assert "Spoken:" in said and "the voice: Free" in said
        screenshot(page, "script-spoken")
    assert fal.seen == []


def test_with_sign_in_required_anonymous_fal_voices_send_nothing_to_fal(fal, media, tmp_path):
    """The sign-in rule covers the voice too: /speak and Generate-from-a-script are refused before any request."""
    budget = dataclasses.replace(UNLIMITED, owner_key_requires_login=True)
    with running_app(fast_settings(budget=budget), SERVER_KEY, tmp_path / "videos") as url:
        anonymous = Client(url, verbose=False)
        with pytest.raises(AppError, match="for signed-in visitors"):
            speak(anonymous, SCRIPT, KOKORO)
        with pytest.raises(AppError, match="for signed-in visitors"):
            generate(anonymous, media, None, script=SCRIPT, voice=KOKORO)
        assert fal.seen == []
        spoken = speak(anonymous, SCRIPT, "espeak:en-us")  # free and offline: no key of the owner's is spent
        assert 4 < probe_seconds(spoken) < 12 and fal.seen == []
