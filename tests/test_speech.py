"""Script → voice: the checks and the cost, and the offline voice (espeak-ng)."""

from __future__ import annotations

import pytest

from components.config.settings import load_settings
from components.errors import InputRejected
from components.inputs.audio import prepare_audio
from components.speech.speech import check_script, script_cost, speak_offline, spoken_seconds
from tests.fakes.media import probe_seconds
from tests.speech_fixtures import ELEVEN, ESPEAK, KOKORO, PROSE, needs_espeak


# ---- checks and cost --------------------------------------------------------
def test_a_good_script_comes_back_trimmed():
    assert check_script(f"  {PROSE}\n", KOKORO, "af_heart", 60) == PROSE


@pytest.mark.parametrize(
    "text, voice, words",
    [
        ("", "af_heart", "The script is empty. Type what the avatar should say."),
        ("   \n\t", "af_heart", "The script is empty."),
        ("Hello there.", "af_nobody", "Kokoro (natural, fal) has no voice 'af_nobody'. Choose one of: af_heart"),
        ("word " * 1100, "af_heart", "too long for Kokoro (natural, fal): 5,499 characters; it takes at most 5,000."),
        ((PROSE + " ") * 5, "af_heart", "The script would take about"),
    ],
)
def test_a_script_is_refused_with_a_sentence(text, voice, words):
    with pytest.raises(InputRejected) as refused:
        check_script(text, KOKORO, voice, max_spoken_seconds=60)
    assert words in str(refused.value)
    assert str(refused.value).endswith(".")


def test_too_long_spoken_says_the_limit_and_how_much_fits():
    with pytest.raises(InputRejected) as refused:
        check_script((PROSE + " ") * 5, ESPEAK, "en-us", max_spoken_seconds=60)
    message = str(refused.value)
    assert "at most 60 s long" in message and "Shorten it to about" in message
    check_script(PROSE * 2, ESPEAK, "en-us", max_spoken_seconds=60)  # ~35 s spoken: fine


def test_digits_and_pauses_count_as_longer_speech():
    plain = "a" * 60
    assert spoken_seconds("In 2024, our revenue grew by 37%.", ESPEAK) > spoken_seconds(plain[:33], ESPEAK) + 3


def test_script_cost_is_characters_times_the_price():
    assert script_cost("x" * 1000, KOKORO) == pytest.approx(0.02)
    assert script_cost("x" * 2500, ELEVEN) == pytest.approx(0.125)
    assert script_cost("x" * 250, KOKORO) == pytest.approx(0.005)
    assert script_cost(PROSE, ESPEAK) == 0


# ---- offline: espeak-ng -----------------------------------------------------
@needs_espeak
def test_speak_offline_makes_a_compact_mp3_of_plausible_length(tmp_path):
    path = speak_offline(PROSE, "en-us", tmp_path)
    seconds = probe_seconds(path)
    assert path.suffix == ".mp3" and [p.name for p in tmp_path.iterdir()] == [path.name]  # no WAV left behind
    assert path.stat().st_size < seconds * 8_500  # 64 kbit/s: a tenth of espeak's 22 kHz 16-bit WAV
    assert len(PROSE) / 20 < seconds < len(PROSE) / 10
    # The estimate is the generous side of the truth, so a script it lets through fits.
    assert seconds <= spoken_seconds(PROSE, ESPEAK) <= seconds * 1.4


@needs_espeak
def test_the_rest_of_the_apps_audio_checks_accept_it(tmp_path):
    limits = load_settings().models[0].limits.audio
    prepared = prepare_audio(speak_offline(PROSE, "en-gb", tmp_path), limits, tmp_path)
    assert 10 < prepared.seconds < 25


@needs_espeak
def test_nothing_in_the_text_acts_as_an_option_or_a_command(tmp_path):
    marker = tmp_path / "pwned"
    text = f"--help -v xx $(touch {marker}); `touch {marker}` && touch {marker}"
    path = speak_offline(text, "en-us", tmp_path)
    assert probe_seconds(path) > 2 and not marker.exists()
    assert speak_offline(text, "en-us", tmp_path) != path  # each call its own file


@pytest.mark.parametrize("voice", ["--help", "en-us; rm", "../en", ""])
def test_speak_offline_refuses_a_strange_voice(tmp_path, voice):
    with pytest.raises(InputRejected):
        speak_offline("Hello there.", voice, tmp_path)
