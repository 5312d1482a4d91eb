"""The `tts:` catalog in space.yaml, and the JSON each fal engine is sent."""

from __future__ import annotations

import pytest
import yaml

from components.config.settings import DEFAULT_PATH
from components.config.settings_fields import FieldReader
from components.config.tts_settings import parse_tts
from components.errors import SettingsError
from components.speech.speech import speech_arguments
from tests.fakes.tts import KOKORO_VOICES
from tests.speech_fixtures import ELEVEN, ENGINES, ESPEAK, KOKORO, parse


def test_the_catalog_parses():
    assert [e.backend for e in ENGINES.values()] == ["espeak", "fal", "fal", "fal"]
    assert KOKORO.text_field == "prompt" and KOKORO.voice("am_michael").label == "Michael" and KOKORO.paid
    assert not ESPEAK.paid and ESPEAK.voice("fr") is None
    assert parse("models: []") == ()  # left out: no script-to-voice


def test_space_yaml_catalog_parses_when_present():
    raw = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    if "tts" not in raw:
        pytest.skip("space.yaml has no tts: catalog yet")
    engines = {engine.id: engine for engine in parse_tts(FieldReader("space.yaml"), raw)}
    kokoro = engines.get("fal-ai/kokoro/american-english")
    if kokoro is not None:  # its voices are an enumeration in fal's schema: any other id is a 422
        assert {voice.id for voice in kokoro.voices} <= set(KOKORO_VOICES)


@pytest.mark.parametrize(
    "catalog, words",
    [
        ("tts: []", "`tts` must be a non-empty list"),
        ("tts: [{id: a, label: A, price_per_1000_chars: 0, max_chars: 9, voices: []}]", "`tts[0].voices`"),
        ("tts: [{id: a, label: A, backend: piper, price_per_1000_chars: 0, max_chars: 9}]", "`tts[0].backend`"),
        ("tts: [{id: a, label: A, price_per_1000_chars: -1, max_chars: 9}]", "`tts[0].price_per_1000_chars`"),
        ("tts: [{id: a, label: A, price_per_1000_chars: 0, max_chars: 9, voices: [{id: v}]}]", "voices[0].label"),
        (
            "tts: [{id: a, label: A, price_per_1000_chars: 0, max_chars: 9, voices: [{id: v, label: V}], "
            "voice_field: 'voice setting'}]",
            "`tts[0].voice_field`",
        ),
    ],
)
def test_a_bad_catalog_names_the_field(catalog, words):
    with pytest.raises(SettingsError, match="space.yaml") as refused:
        parse(catalog)
    assert words in str(refused.value)


def test_an_engine_listed_twice_is_refused():
    entry = {"id": "a", "label": "A", "price_per_1000_chars": 0, "max_chars": 9, "voices": [{"id": "v", "label": "V"}]}
    with pytest.raises(SettingsError, match="must not list the same engine id twice"):
        parse(yaml.safe_dump({"tts": [entry, entry]}))


def test_arguments_follow_each_engines_schema():
    assert speech_arguments(KOKORO, "Hi there.", "af_heart") == {"prompt": "Hi there.", "voice": "af_heart"}
    assert speech_arguments(ELEVEN, "Hi there.", "Aria") == {"text": "Hi there.", "voice": "Aria"}
    minimax = ENGINES["fal-ai/minimax/speech-02-turbo"]
    assert speech_arguments(minimax, "Hi.", "Wise_Woman") == {
        "output_format": "url",
        "text": "Hi.",
        "voice_setting": {"voice_id": "Wise_Woman"},
    }
