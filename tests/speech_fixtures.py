"""What the speech tests share: the TTS catalog offered for space.yaml (with fewer voices), a script, WAV lengths."""

from __future__ import annotations

import shutil
import wave
from pathlib import Path

import pytest
import yaml

from components.config.settings_fields import FieldReader
from components.config.tts_settings import TtsEngine, parse_tts

# The block offered for space.yaml (kept short here: two voices per engine are enough to test with).
CATALOG = """
tts:
  - id: espeak
    label: Offline voice (espeak-ng, robotic)
    backend: espeak
    price_per_1000_chars: 0
    max_chars: 1500
    voices: [{id: en-us, label: "English (US)"}, {id: en-gb, label: "English (UK)"}]
  - id: fal-ai/kokoro/american-english
    label: Kokoro (natural, fal)
    backend: fal
    price_per_1000_chars: 0.02
    text_field: prompt
    voice_field: voice
    max_chars: 5000
    voices: [{id: af_heart, label: Heart}, {id: am_michael, label: Michael}]
  - id: fal-ai/elevenlabs/tts/turbo-v2.5
    label: ElevenLabs Turbo v2.5 (fal)
    backend: fal
    price_per_1000_chars: 0.05
    text_field: text
    voice_field: voice
    max_chars: 5000
    voices: [{id: Aria, label: Aria}, {id: Roger, label: Roger}]
  - id: fal-ai/minimax/speech-02-turbo
    label: MiniMax Speech-02 Turbo (fal)
    price_per_1000_chars: 0.06
    text_field: text
    voice_field: voice_setting.voice_id
    fixed_arguments: {output_format: url}
    max_chars: 5000
    voices: [{id: Wise_Woman, label: Wise woman}]
"""
PROSE = (
    "Hello, and welcome to Kling Avatar Studio. Today I want to tell you about our new product, a small "
    "robot that helps you water your plants while you are away on holiday. It checks the soil every "
    "morning, and gives each pot exactly the water it needs."
)


def parse(text: str) -> tuple[TtsEngine, ...]:
    return parse_tts(FieldReader("space.yaml"), yaml.safe_load(text))


ENGINES = {engine.id: engine for engine in parse(CATALOG)}
ESPEAK = ENGINES["espeak"]
KOKORO = ENGINES["fal-ai/kokoro/american-english"]
ELEVEN = ENGINES["fal-ai/elevenlabs/tts/turbo-v2.5"]

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


def wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as audio:
        return audio.getnframes() / audio.getframerate()
