"""The core of a recorded voice's captions, without a server: the `captions:` settings, the cost rule, chunks
into cues, edited captions read back and checked, and the money rules around a transcription."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
import subprocess
from pathlib import Path

import pytest
import yaml

from components.backends.base import Progress
from components.backends.fal_stt import Transcript, chunks_of
from components.config.settings import DEFAULT_PATH, load_settings, parse_settings
from components.errors import InputRejected, MissingKey, NetworkError, RemoteFailure, SettingsError
from components.posting.cue_edits import read_cues
from components.posting.cues import MAX_CHARS, Cue, from_chunks, to_srt, to_vtt
from components.posting.transcripts import Transcripts
from components.spending.budget import Caps
from components.spending.identity import Visitor
from components.spending.ledger import Ledger
from components.spending.payer import Payer
from components.spending.pricing import transcription_cost
from tests.fakes.media import speech_wav
from tests.helpers import UNLIMITED

pytestmark = pytest.mark.unit


def shipped() -> dict:
    return yaml.safe_load(DEFAULT_PATH.read_text())


def test_the_shipped_captions_setting_is_fal_s_wizper_at_a_cent_a_started_minute():
    captions = load_settings().captions
    assert (captions.endpoint, captions.price_per_minute, captions.rounding, captions.language) == (
        "fal-ai/wizper",
        0.01,
        "up",
        None,
    )
    raw = shipped()
    del raw["captions"]
    assert parse_settings(raw).captions == captions  # the same defaults when the section is left out


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (
            {"price_per_minut": 0.01},
            "unknown key `captions.price_per_minut`; did you mean `captions.price_per_minute`?",
        ),
        ({"price_per_minute": -1}, "`captions.price_per_minute` must be a number ≥ 0"),
        ({"price_per_minute": "cheap"}, "`captions.price_per_minute` must be a number"),
        ({"rounding": "down"}, "`captions.rounding` must be one of up, exact"),
        ({"language": "English"}, "`captions.language` must be a language code"),
        ({"endpoint": ""}, "`captions.endpoint` must be a non-empty string"),
    ],
)
def test_a_bad_captions_setting_is_named(change, says):
    raw = shipped()
    raw["captions"].update(change)
    with pytest.raises(SettingsError) as caught:
        parse_settings(raw)
    assert says in str(caught.value)


@pytest.mark.parametrize(
    ("seconds", "rounding", "dollars"),
    [(12, "up", 0.01), (60.05, "up", 0.01), (61, "up", 0.02), (150, "up", 0.03), (90, "exact", 0.015)],
)
def test_speech_to_text_is_billed_by_started_minutes_unless_exact(seconds, rounding, dollars):
    assert transcription_cost(seconds, 0.01, rounding) == pytest.approx(dollars)


def test_long_chunks_become_short_lines_inside_their_own_time():
    chunks = [
        (0.2, 5.0, " Hello there, this first chunk is far too long for one line of captions on a phone."),
        (5.4, None, " Short."),
    ]
    cues = from_chunks(chunks, end_of_media=7.0)
    assert all(len(cue.text) <= MAX_CHARS for cue in cues) and len(cues) >= 3
    assert cues[0].start == 0.2 and cues[-2].end == 5.0 and cues[-1] == Cue(5.4, 7.0, "Short.")
    assert all(a.end <= b.start for a, b in zip(cues, cues[1:], strict=False))
    assert from_chunks([(9.0, 12.0, "After the end")], end_of_media=7.0) == []


def test_fal_s_answer_without_timed_words_is_fal_s_failure():
    assert chunks_of({"chunks": [{"text": " Hi.", "timestamp": [0.1, None]}]}, "r") == ((0.1, None, "Hi."),)
    for broken in ({}, {"chunks": [{"text": "Hi"}]}, {"chunks": [{"text": "Hi", "timestamp": [None, 1]}]}):
        with pytest.raises(RemoteFailure, match="request id: r"):
            chunks_of(broken, "r")


def test_captions_read_back_from_srt_or_webvtt_as_written():
    cues = [Cue(0.1, 1.5, "Hello!"), Cue(1.5, 3.25, "Two lines\nof words")]
    assert read_cues(to_srt(cues), 4.0) == [Cue(0.1, 1.5, "Hello!"), Cue(1.5, 3.25, "Two lines of words")]
    assert read_cues(to_vtt(cues, note="made for $0.01"), 4.0) == read_cues(to_srt(cues), 4.0)
    assert read_cues("00:01.000 --> 00:02.5\nNo number, short stamps", 4.0) == [
        Cue(1.0, 2.5, "No number, short stamps")
    ]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "No captions were found"),
        ("1\nHello", "Caption 1 (“1 Hello”) has no times"),
        ("1\n00:00:01,000 -> 00:00:02,000\nHi", "Caption 1 (“1 00:00:01,000 -> 00:00:02,000 Hi”) has no times"),
        ("1\n00:00:01,000 --> 00:00:xx\nHi", "Caption 1's times (“00:00:01,000 --> 00:00:xx”) could not be read"),
        ("1\n00:00:02,000 --> 00:00:01,000\nHi", "Caption 1 ends (1.000 s) before it starts (2.000 s)"),
        ("1\n00:00:01,000 --> 00:00:02,000\n", "Caption 1 has no words"),
        (
            "1\n00:00:01,000 --> 00:00:03,000\nHi\n\n2\n00:00:02,000 --> 00:00:04,000\nThere",
            "Caption 2 starts at 2.000 s, before caption 1 ends (3.000 s)",
        ),
        ("1\n00:00:01,000 --> 00:00:09,000\nHi", "Caption 1 ends at 9.000 s, after the video's end (4.0 s)"),
        ("1\n00:00:01,000 --> 00:00:02,000\nHi\n2\n00:00:02,000 --> 00:00:03,000\nThere", "Caption 2 needs an empty"),
    ],
)
def test_a_bad_edit_is_refused_with_a_sentence_naming_the_caption(text, says):
    with pytest.raises(InputRejected) as caught:
        read_cues(text, 4.0)
    assert says in str(caught.value)


class Hearer:
    """A stand-in for the fal backend: says what the real one would, and fails where a test asks."""

    def __init__(self, fail_after: str | None = None, server_key: bool = True) -> None:
        self.fail_after, self.server_key, self.calls = fail_after, server_key, []

    def has_key(self, visitor_key: str | None) -> bool:
        return bool(visitor_key) or self.server_key

    async def transcribe(self, endpoint, audio, arguments, visitor_key, saw) -> Transcript:
        self.calls.append((endpoint, dict(arguments), visitor_key))
        if self.fail_after == "upload":
            raise NetworkError("Could not reach fal.ai", None)
        saw(Progress("submitting"))
        if self.fail_after == "submit":
            raise NetworkError("The connection to fal broke while the job was being submitted", None)
        saw(Progress("generating", request_id="req-stt-1"))
        return Transcript("req-stt-1", ((0.1, 1.2, " Hello!"),))


def _rows(ledger: Ledger) -> list[tuple]:
    with sqlite3.connect(ledger.path) as db:
        return db.execute("SELECT state, request_id, estimate_dollars, actual_dollars FROM jobs").fetchall()


@pytest.fixture
def video(tmp_path) -> Path:
    voice = speech_wav(tmp_path / "voice.wav")
    made = tmp_path / "video.mp4"
    command = ["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "color=c=gray:s=64x64:r=5", "-i", str(voice)]
    subprocess.run([*command, "-shortest", "-c:v", "libx264", "-c:a", "aac", str(made)], check=True)
    return made


def _payer(ledger: Ledger, key: str | None) -> Payer:
    return Payer(Visitor("ip:203.0.113.9", False), key, Caps(UNLIMITED, False), ledger)


@pytest.mark.parametrize(
    ("fail_after", "rows"),
    [("upload", [("released", None, 0.01, None)]), ("submit", [("settled", None, 0.01, 0.01)])],
)
def test_a_failed_transcription_is_released_only_when_fal_never_had_it(tmp_path, video, fail_after, rows):
    ledger, hearer = Ledger(tmp_path / "ledger.sqlite3"), Hearer(fail_after)
    transcripts = Transcripts(load_settings().captions, hearer, tmp_path / "post")
    with pytest.raises(NetworkError):
        asyncio.run(transcripts.heard(video, "run", 3.0, _payer(ledger, None)))
    assert _rows(ledger) == rows and list((tmp_path / "post").iterdir()) == []  # no claim or voice left behind


def test_without_any_key_nothing_is_sent_or_reserved(tmp_path, video):
    ledger, hearer = Ledger(tmp_path / "ledger.sqlite3"), Hearer(server_key=False)
    transcripts = Transcripts(load_settings().captions, hearer, tmp_path / "post")
    with pytest.raises(MissingKey, match="need a fal key"):
        asyncio.run(transcripts.heard(video, "run", 3.0, _payer(ledger, None)))
    assert "need a fal key" in transcripts.quote("run", 3.0, _payer(ledger, None))
    assert hearer.calls == [] and _rows(ledger) == []


def test_a_transcription_is_paid_once_on_the_owner_s_key_and_unrecorded_on_a_visitor_s(tmp_path, video):
    ledger, hearer = Ledger(tmp_path / "ledger.sqlite3"), Hearer()
    settings = dataclasses.replace(load_settings().captions, language="de")
    transcripts = Transcripts(settings, hearer, tmp_path / "post")
    quoted = transcripts.quote("run", 3.0, _payer(ledger, None))
    assert quoted == (
        "Captions from the voice: 3 s → $0.01 on fal's speech-to-text (on the app's key, within today's allowance), "
        "once."
    )
    first = asyncio.run(transcripts.heard(video, "run", 3.0, _payer(ledger, None)))
    again = asyncio.run(transcripts.heard(video, "run", 3.0, _payer(ledger, None)))
    assert first.cues == again.cues == (Cue(0.1, 1.2, "Hello!"),) and again.again and not first.again
    assert _rows(ledger) == [("settled", "req-stt-1", 0.01, 0.01)] and "free now" in transcripts.quote(
        "run", 3.0, _payer(ledger, None)
    )
    asyncio.run(transcripts.heard(video, "other", 3.0, _payer(ledger, "visitor-key")))
    arguments = {"task": "transcribe", "chunk_level": "segment", "language": "de"}
    assert hearer.calls == [("fal-ai/wizper", arguments, None), ("fal-ai/wizper", arguments, "visitor-key")]
    assert len(_rows(ledger)) == 1  # a visitor's own key: theirs to spend, never in the owner's ledger
