"""Captions from a known script: phrases, speech spans, placement on pauses, WebVTT and SRT."""

from __future__ import annotations

import numpy as np
import pytest

from components.posting.cues import MAX_CHARS, Cue, phrases, place, speech_spans, to_srt, to_vtt

pytestmark = pytest.mark.unit
RATE = 16000


def voice(*pieces: tuple[str, float]) -> np.ndarray:
    """("speak" | "pause", seconds) pieces: a syllable-like tone for speech, near-silence for pauses."""
    rng, chunks = np.random.default_rng(0), []
    for kind, seconds in pieces:
        t = np.arange(int(seconds * RATE)) / RATE
        loud = 8000 * np.sin(2 * np.pi * 180 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t))
        chunks.append(loud if kind == "speak" else rng.normal(0, 3, len(t)))
    return np.concatenate(chunks).astype(np.int16)


def test_phrases_end_at_punctuation_and_stay_short():
    text = "Hello! I am here, today. " + "This sentence has no punctuation in it and runs on for a long while yet"
    found = phrases(text)
    assert found[:3] == ["Hello!", "I am here,", "today."]
    assert all(len(line) <= MAX_CHARS for line in found) and " ".join(found) == text.strip()


def test_speech_spans_find_the_pauses_and_ignore_gaps_between_syllables():
    samples = voice(("pause", 0.5), ("speak", 1.0), ("pause", 0.05), ("speak", 0.5), ("pause", 0.6), ("speak", 1.2))
    spans = speech_spans(samples, RATE)
    assert len(spans) == 2  # the 50 ms gap is inside a word; the 0.6 s pause is a pause
    assert spans[0][0] == pytest.approx(0.5, abs=0.05) and spans[0][1] == pytest.approx(2.05, abs=0.05)
    assert spans[1][0] == pytest.approx(2.65, abs=0.05) and spans[1][1] == pytest.approx(3.85, abs=0.05)
    assert speech_spans(np.zeros(RATE, dtype=np.int16), RATE) == []


def test_each_phrase_lands_on_its_own_stretch_of_speech():
    spans = [(0.2, 1.0), (1.5, 3.5), (4.0, 5.0)]
    cues = place(["Hi there,", "this is the longest phrase of all,", "the end."], spans, 5.4)
    assert [c.start for c in cues] == [0.2, 1.5, 4.0]  # each starts as its speech starts
    assert cues[0].end <= 1.5 and cues[1].end <= 4.0 and cues[-1].end == pytest.approx(5.3)
    assert all(a.end <= b.start for a, b in zip(cues, cues[1:], strict=False))


def test_without_pauses_phrases_share_the_speech_by_length():
    cues = place(["one two three four", "five six seven ten"], [(0.0, 4.0)], 4.0)
    assert cues[0].start == 0.0 and cues[1].start == pytest.approx(2.0, abs=0.01) and cues[-1].end == 4.0


def test_vtt_and_srt_stamps():
    cues = [Cue(0.5, 2.25, "Hello!"), Cue(3661.0, 3662.5, "Later.")]
    assert to_vtt(cues) == (
        "WEBVTT\n\n1\n00:00:00.500 --> 00:00:02.250\nHello!\n\n2\n01:01:01.000 --> 01:01:02.500\nLater.\n"
    )
    assert to_srt(cues).startswith("1\n00:00:00,500 --> 00:00:02,250\nHello!\n\n2\n01:01:01,000")
