"""The fake fal's text-to-speech endpoints: the submitted text spoken by espeak-ng into a real WAV.

Shapes follow fal's published types (fal-ai/fal-js, libs/client/src/types/endpoints.ts): Kokoro
takes `prompt` and an enumerated `voice`, ElevenLabs takes `text` and a free-text `voice`; both
answer `{"audio": {url, content_type, file_name, file_size}}`. The audio is real speech of a
plausible length, so the app's own audio checks (length, silence) run on it as on fal's.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from fastapi import Response
from fastapi.responses import JSONResponse

from tests.fakes.records import FakeJob
from tests.fakes.server import error_response
from tests.fakes.storage import FakeStorage

# endpoint -> the field holding the text
TTS_ENDPOINTS = {
    "fal-ai/kokoro/american-english": "prompt",
    "fal-ai/elevenlabs/tts/turbo-v2.5": "text",
}
KOKORO_VOICES = (
    *("af_heart", "af_alloy", "af_aoede", "af_bella", "af_jessica", "af_kore", "af_nicole", "af_nova"),
    *("af_river", "af_sarah", "af_sky", "am_adam", "am_echo", "am_eric", "am_fenrir", "am_liam"),
    *("am_michael", "am_onyx", "am_puck", "am_santa"),
)


def is_tts(endpoint: str) -> bool:
    return endpoint in TTS_ENDPOINTS


def speech_result(job: FakeJob, storage: FakeStorage) -> Response:
    """The job's result: a 422 for inputs fal would refuse, else the spoken text as a stored WAV."""
    field = TTS_ENDPOINTS[job.endpoint]
    text = job.arguments.get(field)
    if not isinstance(text, str) or not text.strip():
        detail = [{"loc": ["body", field], "msg": "Text must not be empty", "type": "value_error"}]
        return error_response(422, detail, job.request_id)
    voice = job.arguments.get("voice", "af_heart")
    if field == "prompt" and voice not in KOKORO_VOICES:
        detail = [{"loc": ["body", "voice"], "msg": "Input should be one of the listed voices", "type": "enum"}]
        return error_response(422, detail, job.request_id)
    wav = speak(text, storage.directory)
    file = {
        "url": storage.keep(wav),
        "content_type": "audio/wav",
        "file_name": wav.name,
        "file_size": wav.stat().st_size,
    }
    return JSONResponse({"audio": file})


def speak(text: str, directory: Path) -> Path:
    """espeak-ng at 150 words per minute, named by the text so a repeated script reuses its file."""
    wav = directory / f"tts-{hashlib.sha1(text.encode()).hexdigest()[:12]}.wav"
    if not wav.exists():
        command = ["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(wav), "--stdin"]
        subprocess.run(command, input=text.encode(), check=True, capture_output=True, timeout=30)
    return wav
