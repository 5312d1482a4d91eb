"""A voice transcribed by a speech-to-text endpoint on fal (`fal-ai/wizper`): its words in timed chunks.

The caller brings the client made for the payer's key (as for a video or a spoken script) and a `saw`
callback that is told, before the submit, that fal may now take the job, and then fal's request id: the
payer's reservation (spending/budget.py's `Reservation.saw`) keeps its rules from there — never released
once fal may have the job. The submit goes through `PooledAsyncClient`, which never sends a job twice.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import fal_client
import httpx

from components.backends.base import Progress
from components.backends.fal_errors import explain
from components.backends.fal_private import SubmitOutcomeUnknown
from components.backends.fal_speech import wait_for_result
from components.errors import RemoteFailure

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.backends.fal_private import PooledAsyncClient

_FAL_ERRORS = (fal_client.client.FalClientError, httpx.HTTPError, SubmitOutcomeUnknown)
Chunk = tuple[float, float | None, str]  # start, end (None: until the next one), words


class Transcript(NamedTuple):
    request_id: str
    chunks: tuple[Chunk, ...]


async def transcribe_on_fal(
    client: PooledAsyncClient,
    endpoint: str,
    audio: Path,
    arguments: Mapping[str, Any],
    saw: Callable[[Progress], None],
    poll_interval: float = 0.5,
    timeout: float = 180.0,
) -> Transcript:
    """Upload the voice, submit it with `arguments`, wait for the result: its chunks and fal's request id."""
    try:
        audio_url = await client.upload_file(audio)
        saw(Progress("submitting"))  # from here on fal may have the job, even if no answer comes back
        handle = await client.submit(endpoint, {**arguments, "audio_url": audio_url})
    except _FAL_ERRORS as exc:
        raise explain(exc, None, timeout) from None
    saw(Progress("generating", request_id=handle.request_id))
    result = await wait_for_result(handle, poll_interval, timeout)
    return Transcript(handle.request_id, chunks_of(result, handle.request_id))


def chunks_of(result: object, request_id: str) -> tuple[Chunk, ...]:
    """`{"chunks": [{"text", "timestamp": [start, end]}]}` as plain tuples; anything else is fal's failure."""
    chunks = result.get("chunks") if isinstance(result, dict) else None
    if not isinstance(chunks, list):
        raise RemoteFailure("fal transcribed the voice but returned no timed words", request_id)
    found = []
    for chunk in chunks:
        stamp = chunk.get("timestamp") if isinstance(chunk, dict) else None
        text = chunk.get("text") if isinstance(chunk, dict) else None
        if not (isinstance(stamp, list | tuple) and len(stamp) == 2 and isinstance(text, str)):
            raise RemoteFailure("fal's transcript has a chunk without its words or times", request_id)
        start, end = (_seconds(value) for value in stamp)
        if start is None:
            raise RemoteFailure("fal's transcript has a chunk without a start time", request_id)
        found.append((start, end, text.strip()))
    return tuple(found)


def _seconds(value: object) -> float | None:
    """Whisper leaves the last chunk's end empty when the audio stops mid-word."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value >= 0:
        return float(value)
    return None
