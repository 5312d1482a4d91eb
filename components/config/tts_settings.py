"""The text-to-speech catalog in space.yaml (`tts:`): which engines may voice a typed script, and how.

Request and result shapes of the fal engines, read from fal's published types: repository
`fal-ai/fal-js`, file `libs/client/src/types/endpoints.ts`, commit
381105e138b85502b528fb8f6c16d909e30e462a ("chore: update endpoints types (#219)", 2026-08-02):

- `fal-ai/kokoro/american-english`: `KokoroAmericanEnglishInput` = `prompt?: string` (the text, default
  ""), `speed?: number` (default 1), `voice?` one of af_heart (default), af_alloy, af_aoede, af_bella,
  af_jessica, af_kore, af_nicole, af_nova, af_river, af_sarah, af_sky, am_adam, am_echo, am_eric,
  am_fenrir, am_liam, am_michael, am_onyx, am_puck, am_santa. Output `DiaOutput` = `{audio: File}`.
- `fal-ai/elevenlabs/tts/turbo-v2.5`: `ElevenlabsTtsTurboV25Input` = `text: string` (required), `voice?:
  string` (free text, default "Rachel"), `speed?` 0.7–1.2, `stability?`, `similarity_boost?`, `style?`,
  `language_code?`, `timestamps?`, `previous_text?`, `next_text?`, `apply_text_normalization?`. Output
  `{audio: File, timestamps?}`. The type enumerates no voices; the ElevenLabs voice names fal does
  enumerate (e.g. `flashheadInput.voice`, `AiAvatarMultiTextInput.voice1`) are Aria, Roger, Sarah,
  Laura, Charlie, George, Callum, River, Liam, Charlotte, Alice, Matilda, Will, Jessica, Eric, Chris,
  Brian, Daniel, Lily, Bill.
- `fal-ai/minimax/speech-02-turbo`: `MinimaxSpeech02HdInput` = `text: string` ("max 5000 characters"),
  `voice_setting?: {voice_id?: string (default "Wise_Woman"), speed?, vol?, pitch?, emotion?, …}`,
  `output_format?: "url" | "hex"` (default "hex": ask for "url"). Output `{audio: File, duration_ms}`.
- `File` = `{url: string, content_type?, file_name?, file_size?, file_data?}`.

So each fal engine names its `text_field` and `voice_field` (a dotted path reaches into a nested
object, as `voice_setting.voice_id`), and `fixed_arguments` carries constants such as MiniMax's
`output_format: url`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.config.settings_fields import FieldReader


TTS_BACKENDS = ("espeak", "fal")
# A field name or a dotted path of them; anything else could not be a key of fal's JSON input.
_FIELD_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


@dataclass(frozen=True)
class TtsVoice:
    id: str
    label: str


@dataclass(frozen=True)
class TtsEngine:
    id: str  # the fal endpoint, or a local name for the offline voice
    label: str
    backend: str  # one of TTS_BACKENDS
    price_per_1000_chars: float
    max_chars: int
    voices: tuple[TtsVoice, ...]
    # Speaking rate used to estimate a script's length before anything is rendered or paid for.
    chars_per_second: float = 15.0
    text_field: str = "text"
    voice_field: str = "voice"
    fixed_arguments: tuple[tuple[str, str | float | bool], ...] = ()

    @property
    def paid(self) -> bool:
        return self.backend == "fal"

    def voice(self, voice_id: str) -> TtsVoice | None:
        return next((v for v in self.voices if v.id == voice_id), None)


def parse_tts(reader: FieldReader, root: dict) -> tuple[TtsEngine, ...]:
    """The `tts:` list; left out, the app simply offers no script-to-voice."""
    raw = root.get("tts")
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        raise reader.error("tts", "must be a non-empty list of engines", raw)
    engines = tuple(_engine(reader, reader.mapping(item, f"tts[{i}]"), f"tts[{i}]") for i, item in enumerate(raw))
    ids = [e.id for e in engines]
    if len(set(ids)) != len(ids):
        raise reader.error("tts", "must not list the same engine id twice", ids)
    return engines


def _engine(reader: FieldReader, raw: dict, where: str) -> TtsEngine:
    backend = reader.choice(raw, "backend", where, TTS_BACKENDS, default="fal")
    return TtsEngine(
        id=reader.text(raw, "id", where),
        label=reader.text(raw, "label", where),
        backend=backend,
        price_per_1000_chars=reader.number(raw, "price_per_1000_chars", where, minimum=0),
        max_chars=int(reader.number(raw, "max_chars", where, minimum=1, integer=True)),
        voices=_voices(reader, raw, where),
        chars_per_second=reader.number(raw, "chars_per_second", where, minimum=1, default=15),
        text_field=_field_path(reader, raw, "text_field", where, "text"),
        voice_field=_field_path(reader, raw, "voice_field", where, "voice"),
        fixed_arguments=_fixed_arguments(reader, raw, where),
    )


def _voices(reader: FieldReader, raw: dict, where: str) -> tuple[TtsVoice, ...]:
    value = reader.get(raw, "voices", where)
    if not isinstance(value, list) or not value:
        raise reader.error(f"{where}.voices", "must be a non-empty list of {id, label}", value)
    voices = []
    for i, item in enumerate(value):
        at = f"{where}.voices[{i}]"
        entry = reader.mapping(item, at)
        voices.append(TtsVoice(id=reader.text(entry, "id", at), label=reader.text(entry, "label", at)))
    ids = [v.id for v in voices]
    if len(set(ids)) != len(ids):
        raise reader.error(f"{where}.voices", "must not list the same voice id twice", ids)
    return tuple(voices)


def _field_path(reader: FieldReader, raw: dict, name: str, where: str, default: str) -> str:
    value = raw.get(name, default)
    if not isinstance(value, str) or not _FIELD_PATH.match(value):
        raise reader.error(f"{where}.{name}", "must be a field name (or a dotted path of them)", value)
    return value


def _fixed_arguments(reader: FieldReader, raw: dict, where: str) -> tuple[tuple[str, Any], ...]:
    value = reader.mapping(raw.get("fixed_arguments", {}), f"{where}.fixed_arguments")
    for name, item in value.items():
        # Plain values only: they are sent as they are with every request, and must stay hashable.
        if not isinstance(name, str) or not isinstance(item, (str, int, float, bool)):
            raise reader.error(f"{where}.fixed_arguments", "must map field names to plain values", {name: item})
    return tuple(value.items())
