"""Where a long narration is cut into parts Kling accepts: at pauses, never mid-word if a pause is near.

Pure numpy on the decoded 24 kHz mono samples. Kling takes at most `max_seconds` of audio per
video, so a longer narration becomes ⌈total / max⌉ parts of nearly equal length. Each cut is
looked for within `SEARCH_SECONDS` of its ideal place, at the quietest stretch of the voice
(loudness averaged over `PAUSE_SECONDS`, so the middle of a real pause beats a short dip
between syllables); only when no place there is quiet does it look at every allowed place.
"""

from __future__ import annotations

import math

import numpy as np

FRAME_SECONDS = 0.02
PAUSE_SECONDS = 0.25
SEARCH_SECONDS = 5.0
# Quieter than this (dB below the clip's peak) counts as a pause.
PAUSE_BELOW_PEAK_DB = 30.0
# Each second away from the ideal place costs this much loudness: a deep pause may be a little further off.
_DB_PER_SECOND_AWAY = 2.0


def plan_cuts(samples: np.ndarray, rate: int, min_seconds: float, max_seconds: float) -> list[tuple[int, int]]:
    """The parts as (start, end) sample indexes: each between min and max seconds, together the whole clip."""
    total = len(samples) / rate
    if total <= max_seconds:
        return [(0, len(samples))]
    loudness = _pause_loudness(samples, rate)
    cuts, start = [], 0.0
    while total - start > max_seconds:
        cut = _next_cut(loudness, start, total, min_seconds, max_seconds)
        cuts.append(cut)
        start = cut
    edges = [0] + [round(cut * rate) for cut in cuts] + [len(samples)]
    return list(zip(edges[:-1], edges[1:], strict=True))


def _next_cut(loudness: np.ndarray, start: float, total: float, min_seconds: float, max_seconds: float) -> float:
    parts_left = math.ceil((total - start) / max_seconds)
    ideal = start + (total - start) / parts_left
    # The rest must still fit in the parts left, and none may be shorter than the minimum.
    lowest = max(start + min_seconds, total - (parts_left - 1) * max_seconds)
    highest = min(start + max_seconds, total - min_seconds)
    near = _quietest(loudness, max(lowest, ideal - SEARCH_SECONDS), min(highest, ideal + SEARCH_SECONDS), ideal)
    if near is not None and loudness[_frame(near)] <= -PAUSE_BELOW_PEAK_DB:
        return near
    anywhere = _quietest(loudness, lowest, highest, ideal)
    return anywhere if anywhere is not None else ideal


def _quietest(loudness: np.ndarray, low: float, high: float, ideal: float) -> float | None:
    """The quietest place between `low` and `high` seconds, ties going to the one nearest the ideal."""
    first, last = _frame(low), _frame(high)
    if last <= first:
        return None
    frames = np.arange(first, last)
    distance = np.abs(frames * FRAME_SECONDS - ideal)
    best = frames[np.argmin(loudness[first:last] + distance * _DB_PER_SECOND_AWAY)]
    return float(best * FRAME_SECONDS)


def _frame(seconds: float) -> int:
    return max(0, round(seconds / FRAME_SECONDS))


def _pause_loudness(samples: np.ndarray, rate: int) -> np.ndarray:
    """dB below the clip's peak per frame, averaged over a pause's length around it."""
    size = max(1, round(rate * FRAME_SECONDS))
    count = len(samples) // size
    frames = samples[: count * size].astype(np.float64).reshape(count, size)
    power = np.mean(frames**2, axis=1)
    window = max(1, round(PAUSE_SECONDS / FRAME_SECONDS))
    smoothed = np.convolve(power, np.ones(window) / window, mode="same")
    decibels = 10 * np.log10(smoothed + 1e-9)
    # A trailing partial frame is kept as loud, so no cut lands past the end.
    return np.append(decibels - decibels.max(), 0.0)
