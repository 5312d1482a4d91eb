"""Timed captions from a known script: its phrases placed on the voice's stretches of speech. Pure logic.

No speech recognition: the app knows what was said (it spoke the script), so only *when* is needed.
The voice's speech spans come from loudness (the same measure and threshold as the narration's cuts,
split.py); the script is cut into short phrases at its punctuation, and each phrase gets a share of the
speaking time in proportion to its length. A phrase boundary near a real pause is moved into that pause,
so a caption changes when the voice stops, as a viewer expects; espeak and fal's voices pause at commas
and full stops, which is where phrases end.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from components.inputs.split import FRAME_SECONDS, PAUSE_BELOW_PEAK_DB

# One line a phone shows without shrinking the text (the usual subtitle guideline is 37–42 characters).
MAX_CHARS = 42
# Quieter stretches shorter than this are the gaps between syllables and words, not pauses.
MIN_PAUSE_SECONDS = 0.14
# Louder blips shorter than this (a click, a breath) are not speech.
MIN_SPEECH_SECONDS = 0.06
# A caption stays up this much into the pause after it, so a short one can still be read.
LINGER_SECONDS = 0.3
_AFTER_PUNCTUATION = re.compile(r"(?<=[.!?;:,…])\s+|\s*\n\s*")


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str


def phrases(script: str) -> list[str]:
    """The script cut at its punctuation and line breaks, then long pieces into lines of at most MAX_CHARS."""
    found = []
    for piece in _AFTER_PUNCTUATION.split(script.strip()):
        words = piece.split()
        if words:
            found.extend(_lines(words))
    return found


def _lines(words: list[str]) -> list[str]:
    """Nearly equal lines, none over MAX_CHARS unless a single word is."""
    count = math.ceil(len(" ".join(words)) / MAX_CHARS)
    target, lines, line = len(" ".join(words)) / count, [], []
    for word in words:
        if line and len(" ".join([*line, word])) > min(MAX_CHARS, target + 8):
            lines.append(" ".join(line))
            line = []
        line.append(word)
    return [*lines, " ".join(line)]


def speech_spans(samples: np.ndarray, rate: int) -> list[tuple[float, float]]:
    """(start, end) seconds of each stretch of speech: louder than PAUSE_BELOW_PEAK_DB under the peak,
    short gaps closed, short blips dropped."""
    size = max(1, round(rate * FRAME_SECONDS))
    count = len(samples) // size
    if count == 0:
        return []
    frames = samples[: count * size].astype(np.float64).reshape(count, size)
    decibels = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-9)
    if decibels.max() < 10 * np.log10(1e-9) + 1:  # digital silence throughout
        return []
    loud = decibels > decibels.max() - PAUSE_BELOW_PEAK_DB
    closed = _merge(_runs(loud), MIN_PAUSE_SECONDS / FRAME_SECONDS)
    kept = [(start, end) for start, end in closed if end - start >= MIN_SPEECH_SECONDS / FRAME_SECONDS]
    return [(start * FRAME_SECONDS, end * FRAME_SECONDS) for start, end in kept]


def _runs(flags: np.ndarray) -> list[tuple[int, int, bool]]:
    """(first frame, frame after the last, value) of each run of equal flags."""
    edges = np.flatnonzero(np.diff(flags.astype(np.int8))) + 1
    bounds = [0, *edges.tolist(), len(flags)]
    return [(a, b, bool(flags[a])) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def _merge(runs: list[tuple[int, int, bool]], shortest: float) -> list[tuple[int, int]]:
    """The loud runs, joined across every quiet run between them shorter than `shortest` frames."""
    spans: list[list[int]] = []
    for start, end, loud in runs:
        if loud and spans and start - spans[-1][1] < shortest:
            spans[-1][1] = end
        elif loud:
            spans.append([start, end])
    return [(a, b) for a, b in spans]


def place(lines: list[str], spans: list[tuple[float, float]], end_of_media: float | None = None) -> list[Cue]:
    """Each line on the speech: shares of the speaking time by length, boundaries moved into nearby pauses."""
    if not lines or not spans:
        return []
    lengths = [e - s for s, e in spans]
    spoken = np.cumsum(lengths)  # speaking time at the end of each span
    weights = np.cumsum([len(line) + 2 for line in lines])
    targets = spoken[-1] * weights[:-1] / weights[-1]
    tolerance = max(0.4, 0.5 * spoken[-1] / len(lines))
    bounds, used = [], -1
    for target in targets:
        gaps = range(used + 1, len(spans) - 1)
        best = min(gaps, key=lambda k: abs(spoken[k] - target), default=None)
        if best is not None and abs(spoken[best] - target) <= tolerance:
            bounds.append((spans[best][1], spans[best + 1][0]))
            used = best
        else:
            at = max(_real_time(target, spans, spoken), bounds[-1][1] if bounds else spans[0][0])
            bounds.append((at, at))
            used = max(used, int(np.searchsorted(spoken, target)) - 1)
    starts = [spans[0][0]] + [after for _, after in bounds]
    ends = [before for before, _ in bounds] + [spans[-1][1]]
    limit = end_of_media if end_of_media is not None else spans[-1][1] + LINGER_SECONDS
    cues = []
    for index, line in enumerate(lines):
        following = starts[index + 1] if index + 1 < len(lines) else limit
        end = min(max(ends[index], starts[index] + 0.2) + LINGER_SECONDS, following, limit)
        cues.append(Cue(round(float(starts[index]), 3), round(float(max(end, starts[index] + 0.05)), 3), line))
    return cues


def _real_time(target: float, spans: list[tuple[float, float]], spoken: np.ndarray) -> float:
    """The moment in the media when `target` seconds of speaking have gone by."""
    index = min(int(np.searchsorted(spoken, target)), len(spans) - 1)
    before = spoken[index - 1] if index else 0.0
    return spans[index][0] + (target - before)


def from_chunks(chunks: Sequence[tuple[float, float | None, str]], end_of_media: float) -> list[Cue]:
    """A transcript's timed chunks as cues: long ones cut into readable lines (as a script's phrases are),
    each line a share of its chunk's time by length; kept in order and inside the media."""
    cues: list[Cue] = []
    for index, (start, end, text) in enumerate(chunks):
        following = chunks[index + 1][0] if index + 1 < len(chunks) else end_of_media
        start = max(min(start, end_of_media), cues[-1].end if cues else 0.0)
        end = min(end if end is not None else following, end_of_media)
        lines = phrases(text)
        if not lines or end - start < 0.05:
            continue
        weights = np.cumsum([0] + [len(line) + 2 for line in lines])
        bounds = start + (end - start) * weights / weights[-1]
        for line, (a, b) in zip(lines, zip(bounds[:-1], bounds[1:], strict=True), strict=True):
            cues.append(Cue(round(float(a), 3), round(float(b), 3), line))
    return cues


def _stamp(seconds: float, separator: str) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}{separator}{rest % 1000:03d}"


def to_vtt(cues: list[Cue], note: str | None = None) -> str:
    """`note`: a comment for whoever reads the file (players skip it), e.g. what the captions cost."""
    blocks = [f"{n}\n{_stamp(c.start, '.')} --> {_stamp(c.end, '.')}\n{c.text}" for n, c in enumerate(cues, 1)]
    comment = f"NOTE {' '.join(note.split())}\n\n" if note else ""
    return "WEBVTT\n\n" + comment + "\n\n".join(blocks) + "\n"


def to_srt(cues: list[Cue]) -> str:
    blocks = [f"{n}\n{_stamp(c.start, ',')} --> {_stamp(c.end, ',')}\n{c.text}" for n, c in enumerate(cues, 1)]
    return "\n\n".join(blocks) + "\n"
