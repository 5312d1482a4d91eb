"""Script → voice on fal: the TTS endpoints of the fake fal through the real fal_client, and the audio download."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from components.backends.download import download_client
from components.backends.fal_private import PooledAsyncClient
from components.config.settings import load_settings
from components.errors import KeyRejected, RemoteFailure, RemoteValidationError
from components.inputs.audio import prepare_audio
from components.speech.speech import check_script, download_speech, speak_on_fal
from tests.helpers import VISITOR_KEY
from tests.speech_fixtures import ELEVEN, KOKORO, PROSE, needs_espeak, wav_seconds


def speak_and_download(engine, text, voice, tmp_path, key=VISITOR_KEY, **options):
    async def scenario():
        client, http = PooledAsyncClient(key=key), download_client()
        try:
            spoken = await speak_on_fal(client, engine, text, voice, poll_interval=0.05, **options)
            return spoken, await download_speech(http, spoken.audio_url, tmp_path, spoken.request_id)
        finally:
            await client.aclose()
            await http.aclose()

    return asyncio.run(scenario())


@needs_espeak
@pytest.mark.parametrize("engine, voice, field", [(KOKORO, "am_michael", "prompt"), (ELEVEN, "Roger", "text")])
def test_speak_on_fal_returns_downloadable_audio(fal, tmp_path, engine, voice, field):
    script = check_script(PROSE, engine, voice, 60)
    (audio_url, request_id), path = speak_and_download(engine, script, voice, tmp_path)
    [job] = fal.submits()
    assert (job.endpoint, job.key, request_id) == (engine.id, VISITOR_KEY, job.request_id)
    assert job.arguments == {field: script, "voice": voice}
    assert audio_url.endswith(".wav") and path.name == f"script-{request_id}.wav"
    assert len(script) / 20 < wav_seconds(path) < len(script) / 10
    assert prepare_audio(path, load_settings().models[0].limits.audio, tmp_path).seconds > 2


def test_a_rejected_key_is_explained_with_no_key_in_it(fal, tmp_path):
    with pytest.raises(KeyRejected) as refused:
        speak_and_download(KOKORO, PROSE, "af_heart", tmp_path, key="wrong-key-id:wrong-secret")
    assert "fal rejected the key (HTTP 401" in str(refused.value)
    assert "https://fal.ai/dashboard/keys" in str(refused.value)
    assert "wrong-secret" not in str(refused.value) and fal.submits() == []


def test_inputs_fal_refuses_are_explained_with_the_request_id(fal, tmp_path):
    with pytest.raises(RemoteValidationError) as refused:
        speak_and_download(KOKORO, PROSE, "af_unknown", tmp_path)
    assert "fal refused the inputs: voice:" in str(refused.value)
    assert f"(request id: {fal.submits()[0].request_id})" in str(refused.value)
    assert fal.cancels() == []


def test_a_job_that_never_finishes_is_cancelled_at_fal(fal, tmp_path):
    fal.faults["never_complete"] = True
    with pytest.raises(Exception, match="still not finished after 0.5 s") as refused:
        speak_and_download(KOKORO, PROSE, "af_heart", tmp_path, timeout=0.5)
    assert "request id: req-" in str(refused.value)
    assert len(fal.cancels()) == 1


def test_a_failed_download_says_where_the_audio_is(fal, tmp_path):
    async def scenario():
        async with download_client() as http:
            await download_speech(http, f"{fal.base_url}/files/missing.wav", tmp_path, "req-x")

    with pytest.raises(RemoteFailure, match=r"downloading the audio failed \(HTTP 404\)"):
        asyncio.run(scenario())
    assert list(tmp_path.iterdir()) == []


def test_a_cancelled_task_cancels_the_job_at_fal(fal):
    fal.faults["never_complete"] = True

    async def scenario():
        client = PooledAsyncClient(key=VISITOR_KEY)
        try:
            task = asyncio.create_task(speak_on_fal(client, KOKORO, PROSE, "af_heart", poll_interval=0.05))
            while not fal.submits():
                await asyncio.sleep(0.02)
            task.cancel()  # the visitor pressed Stop, or closed the page
            with pytest.raises(asyncio.CancelledError):
                await task
        finally:
            await client.aclose()

    asyncio.run(scenario())
    assert len(fal.cancels()) == 1


def download_from(answer, tmp_path, url="https://cdn.example/files/abc", **options):
    async def scenario():
        async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
            return await download_speech(http, url, tmp_path, "req-1", **options)

    return asyncio.run(scenario())


def test_the_content_type_names_the_file_when_the_url_does_not(tmp_path):
    path = download_from(
        lambda request: httpx.Response(200, content=b"ID3", headers={"content-type": "audio/mpeg"}), tmp_path
    )
    assert path.name == "script-req-1.mp3" and path.read_bytes() == b"ID3"


@pytest.mark.parametrize(
    "headers, body, options, words",
    [
        ({"content-type": "text/html"}, b"<html>", {}, "something other than audio (text/html)"),
        ({"content-type": "audio/wav"}, b"x" * 3_000_000, {"max_bytes": 2_000_000}, "larger than 2 MB"),
    ],
)
def test_a_download_that_is_not_a_spoken_script_is_refused(tmp_path, headers, body, options, words):
    with pytest.raises(RemoteFailure, match=re.escape(words)):
        download_from(lambda request: httpx.Response(200, content=body, headers=headers), tmp_path, **options)
    assert list(tmp_path.iterdir()) == []  # no half-written file left behind
