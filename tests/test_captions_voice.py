"""Captions of a recorded or uploaded voice, end to end through gradio_client: heard by the fake fal's
speech-to-text (`fal-ai/wizper`), paid like a voice (reserved, settled in the ledger, once per video), on the
owner's key within the caps, on a visitor's own key unlimited, never without a key; edits burned as edited."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from components.posting.cue_edits import read_cues
from components.posting.cues import MAX_CHARS
from components.posting.framing import to_ass
from tests.fakes.crafted import understated_webm
from tests.fakes.media import probe_seconds, speech_wav
from tests.fakes.stt import WIZPER_FIELDS
from tests.helpers import PREVIEW, PRO, SERVER_KEY, UNLIMITED, VISITOR_KEY, fast_settings, running_app
from tests.test_posting import SCRIPT, last_end, read, words

WIZPER = "fal-ai/wizper"
RECORDED = (
    "Hello! This voice was recorded, not typed, so nobody wrote its words down for the captions to use. "
    "They are heard by speech to text."
)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> Path:
    return speech_wav(tmp_path_factory.mktemp("recorded") / "recorded.wav", RECORDED)


def cues_of(vtt: str) -> list[str]:
    blocks = [block.splitlines() for block in vtt.split("\n\n")[1:] if block.strip()]
    return [" ".join(lines[2:]) for lines in blocks if not lines[0].startswith("NOTE")]


def wizper_rows(data: Path) -> list[tuple]:
    with sqlite3.connect(data / "ledger.sqlite3") as db:
        query = "SELECT state, request_id, estimate_dollars, actual_dollars FROM jobs WHERE endpoint = ?"
        return db.execute(query, (WIZPER,)).fetchall()


def heard(fal) -> list:
    return [job for job in fal.submits() if job.endpoint == WIZPER]


def generate(client, media, voice, key="", model=PRO, script=""):
    face = handle_file(str(media / "face.png"))
    audio = handle_file(str(voice)) if voice else None
    video, status, record = client.predict(
        face, audio, ".", model, key, False, script, "espeak:en-us", api_name="/generate"
    )
    assert "Done" in status, status
    return video, json.loads(record)


def test_a_recorded_voice_is_heard_by_fal_paid_once_and_recorded_in_the_ledger(fal, media, recorded, tmp_path):
    fal.transcript = RECORDED
    data = tmp_path / "data"
    with running_app(fast_settings(), SERVER_KEY, tmp_path / "videos", data_dir=data) as url:
        client = Client(url, verbose=False)
        video, record = generate(client, media, recorded)
        vtt_file, srt_file = client.predict(record["request_id"], None, "", "", api_name="/captions")
        vtt = read(vtt_file)
        (job,) = heard(fal)
        assert job.key == SERVER_KEY and set(job.arguments) == {"audio_url", "task", "chunk_level", "language"}
        assert words(" ".join(cues_of(vtt))) == words(RECORDED)  # the transcript's words, nothing else
        assert all(len(line) <= MAX_CHARS for line in cues_of(vtt))  # long chunks cut into readable lines
        assert len(cues_of(vtt)) >= 4 and last_end(vtt) <= probe_seconds(video) + 0.01
        assert words(read(srt_file)) and "NOTE" not in read(srt_file)
        seconds = probe_seconds(video)
        said = f"NOTE Captions from the voice: {seconds:.0f} s → $0.01 on fal's speech-to-text"
        said += f" (request id {job.request_id})"
        assert said in vtt  # the answer states the cost and the request id
        assert wizper_rows(data) == [("settled", job.request_id, 0.01, 0.01)]  # reserved, accepted, then settled

        again, _ = client.predict(record["request_id"], None, "", "", api_name="/captions")
        assert "nothing paid again" in read(again) and cues_of(read(again)) == cues_of(vtt)
        assert len(heard(fal)) == 1 and len(wizper_rows(data)) == 1  # the second call paid nothing

        # A visitor's own key: heard on that key, not limited, nothing in the owner's ledger.
        _, mine = generate(client, media, recorded, key=VISITOR_KEY)
        client.predict(mine["request_id"], None, "", VISITOR_KEY, api_name="/captions")
        assert [job.key for job in heard(fal)] == [SERVER_KEY, VISITOR_KEY] and len(wizper_rows(data)) == 1


def test_a_typed_script_keeps_its_free_timing(fal, media, tmp_path):
    with running_app(fast_settings(), SERVER_KEY, tmp_path / "videos", data_dir=tmp_path / "data") as url:
        client = Client(url, verbose=False)
        _, record = generate(client, media, None, script=SCRIPT)
        vtt_file, _ = client.predict(record["request_id"], None, "", "", api_name="/captions")
        assert words(" ".join(cues_of(read(vtt_file)))) == words(SCRIPT) and "NOTE" not in read(vtt_file)
        assert heard(fal) == [] and wizper_rows(tmp_path / "data") == []


def test_on_the_owner_s_key_the_transcription_counts_against_the_caps(fal, media, recorded, tmp_path):
    seconds = probe_seconds(recorded)
    video_dollars = -(-int(seconds * 100 - 10) // 100) * 0.115  # whole seconds rounded up, as the estimate bills
    caps = dataclasses.replace(UNLIMITED, max_dollars_per_visitor_per_day=video_dollars + 0.005)
    with running_app(fast_settings(caps), SERVER_KEY, tmp_path / "videos", data_dir=tmp_path / "data") as url:
        client = Client(url, verbose=False)
        _, record = generate(client, media, recorded)
        with pytest.raises(AppError, match="Today you have used .* a day on the app's fal key, and this needs \\$0.01"):
            client.predict(record["request_id"], None, "", "", api_name="/captions")
        assert heard(fal) == [] and wizper_rows(tmp_path / "data") == []


def test_without_any_key_the_voice_is_never_sent(fake_fal, fal, media, recorded, tmp_path):
    with running_app(fast_settings(), None, tmp_path / "videos") as url:
        client = Client(url, verbose=False)
        _, record = generate(client, media, recorded, model=PREVIEW)
        with pytest.raises(AppError, match="Captions for a recorded or uploaded voice need a fal key"):
            client.predict(record["video"], None, "", "", api_name="/captions")
    assert fal.seen == []


def test_edited_captions_are_burned_as_edited_and_a_bad_edit_is_named(fal, media, recorded, tmp_path):
    fal.transcript = RECORDED
    with running_app(fast_settings(), SERVER_KEY, tmp_path / "videos") as url:
        client = Client(url, verbose=False)
        video, record = generate(client, media, recorded)
        _, srt_file = client.predict(record["request_id"], None, "", "", api_name="/captions")
        edited = read(srt_file).replace("Hello!", "Howdy, edited!")
        shaped = client.predict(record["request_id"], None, "9:16", True, "", "", edited, api_name="/reframe")
        burned = to_ass(read_cues(edited, probe_seconds(video)), "9:16")
        assert Path(shaped).stem.endswith(hashlib.sha256(burned.encode()).hexdigest()[:8])  # these cues, no others
        backwards = edited.replace("00:00:00,100 -->", "00:00:09,100 -->", 1)
        with pytest.raises(AppError, match="Caption 1 ends .* before it starts"):
            client.predict(record["request_id"], None, "9:16", True, "", "", backwards, api_name="/reframe")
        with pytest.raises(AppError, match="after the video's end"):
            client.predict(
                record["request_id"],
                None,
                "9:16",
                True,
                "",
                "",
                "1\n00:00:01,000 --> 00:09:00,000\nHi",
                api_name="/reframe",
            )
        assert len(heard(fal)) == 1  # burning re-used the one transcript


def test_a_cut_after_fal_took_the_voice_is_never_sent_again_nor_released(fal, media, recorded, tmp_path):
    data = tmp_path / "data"
    with running_app(fast_settings(), SERVER_KEY, tmp_path / "videos", data_dir=data) as url:
        client = Client(url, verbose=False)
        _, record = generate(client, media, recorded)
        fal.faults["cut_after_submit"] = True  # fal accepts the transcription; the answer never arrives
        with pytest.raises(AppError, match="fal may have accepted it, so it was not sent again"):
            client.predict(record["request_id"], None, "", "", api_name="/captions")
        assert len(heard(fal)) == 1 and wizper_rows(data) == [("settled", None, 0.01, 0.01)]  # kept at its price


def test_fields_fal_does_not_know_are_refused_and_cost_nothing(fal, media, recorded, tmp_path):
    fal.endpoints[WIZPER] = dataclasses.replace(fal.endpoints[WIZPER], optional={"task": ("transcribe",)})
    data = tmp_path / "data"
    try:
        with running_app(fast_settings(), SERVER_KEY, tmp_path / "videos", data_dir=data) as url:
            client = Client(url, verbose=False)
            _, record = generate(client, media, recorded)
            with pytest.raises(AppError, match="chunk_level"):  # fal's 422 names the field
                client.predict(record["request_id"], None, "", "", api_name="/captions")
    finally:
        fal.endpoints[WIZPER] = dataclasses.replace(fal.endpoints[WIZPER], optional=WIZPER_FIELDS.optional)
    assert heard(fal) == [] and wizper_rows(data) == [("released", None, 0.01, None)]  # refused at the door


def test_a_video_whose_header_understates_its_length_is_heard_and_billed_only_as_long_as_it_claims(fal, tmp_path):
    """A container may claim 3 s and hold 40: what is sent to fal is what the ledger is charged for."""
    crafted = understated_webm(tmp_path / "claims-3-s.webm", seconds=40.0, claimed=3.0)
    fal.transcript = RECORDED
    data = tmp_path / "data"
    with running_app(fast_settings(), SERVER_KEY, tmp_path / "videos", data_dir=data) as url:
        Client(url, verbose=False).predict("", handle_file(str(crafted)), "", "", api_name="/captions")
    (job,) = heard(fal)
    sent = fal.storage.files[job.arguments["audio_url"].rsplit("/", 1)[1]]
    assert probe_seconds(sent) <= 3.2  # the sound cut where the header says the video ends
    assert wizper_rows(data) == [("settled", job.request_id, 0.01, 0.01)]
