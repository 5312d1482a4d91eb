"""The fake fal's speech-to-text endpoint, `fal-ai/wizper`: the words it is told, timed over the uploaded voice.

Shapes from fal's published types (fal-ai/fal-js, libs/client/src/types/endpoints.ts @ 381105e1): wizperInput
takes `audio_url` (required), `task` ("transcribe" | "translate"), `language` (a code, or null to detect),
`chunk_level`, `version`, `max_segment_len`, `merge_chunks`; wizperOutput is `{text, chunks: [{text,
timestamp: [start, end]}], languages}`. The fake recognises nothing: a test says what the voice says
(`FakeFal.transcript`), and the fake spreads it over the audio's real length, a chunk per sentence, with the
leading space Whisper's segments have. Unknown fields are refused with fal's 422 at the submit (endpoints.py).
"""

from __future__ import annotations

import re

from fastapi import Response
from fastapi.responses import JSONResponse

from tests.fakes.endpoints import ANY, Fields
from tests.fakes.media import probe_seconds
from tests.fakes.records import FakeJob
from tests.fakes.server import error_response
from tests.fakes.storage import FakeStorage

WIZPER = "fal-ai/wizper"
WIZPER_FIELDS = Fields(
    {"audio_url": ANY},
    {
        "task": ("transcribe", "translate"),
        **dict.fromkeys(("language", "chunk_level", "version", "max_segment_len", "merge_chunks")),
    },
)
# What the tests' espeak voice says (tests/fakes/media.py speech_wav's default).
SAID = "Hello! I am a talking avatar, made with Kling."
# Whisper's segments leave a little of the recording's edges out.
EDGE_SECONDS = 0.1


def is_stt(endpoint: str) -> bool:
    return endpoint == WIZPER


def transcript_result(job: FakeJob, storage: FakeStorage, said: str) -> Response:
    language = job.arguments.get("language", "en")
    if language is not None and not (isinstance(language, str) and re.fullmatch(r"[a-z]{2,3}", language)):
        detail = [{"loc": ["body", "language"], "msg": "Input should be a language code", "type": "enum"}]
        return error_response(422, detail, job.request_id)
    seconds = probe_seconds(storage.path_of(job.arguments["audio_url"]))
    sentences = [part for part in re.split(r"(?<=[.!?])\s+", said.strip()) if part]
    total = sum(len(sentence) for sentence in sentences) or 1
    spoken, at, chunks = max(0.0, seconds - 2 * EDGE_SECONDS), EDGE_SECONDS, []
    for sentence in sentences:
        end = at + spoken * len(sentence) / total
        chunks.append({"text": f" {sentence}", "timestamp": [round(at, 2), round(end, 2)]})
        at = end
    return JSONResponse({"text": " ".join(sentences), "chunks": chunks, "languages": [language or "en"]})
