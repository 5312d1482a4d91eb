"""Where a voice's long silences are, and which samples to keep without them. Pure logic on decoded samples.

The speech is found as the captions find it (`speech_spans`: loudness against the clip's peak, with the
narration split's frames and threshold), so "silence" means the same quiet everywhere in the app. What is
cut: a lead-in and a tail keep MARGIN_SECONDS next to the speech; a pause longer than LONG_PAUSE_SECONDS
becomes NATURAL_PAUSE_SECONDS (half after the words before it, half before the words after it). Shorter
pauses are the voice's own rhythm and stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from components.posting.cues import speech_spans

MARGIN_SECONDS = 0.25
NATURAL_PAUSE_SECONDS = 0.6
LONG_PAUSE_SECONDS = 1.0
# Less than this removed is not worth a visitor's click (nor a new file).
WORTH_SECONDS = 0.5


@dataclass(frozen=True)
class SilencePlan:
    rate: int
    total: int  # samples in the clip
    keep: tuple[tuple[int, int], ...]  # (start, end) sample ranges kept, in order
    lead_in: float  # seconds of quiet before the first speech
    tail: float  # seconds of quiet after the last speech
    long_pauses: int  # pauses over LONG_PAUSE_SECONDS, each shortened to NATURAL_PAUSE_SECONDS

    @property
    def kept_samples(self) -> int:
        return sum(end - start for start, end in self.keep)

    @property
    def kept_seconds(self) -> float:
        return self.kept_samples / self.rate

    @property
    def removed_seconds(self) -> float:
        return (self.total - self.kept_samples) / self.rate

    @property
    def worth(self) -> bool:
        return self.removed_seconds >= WORTH_SECONDS

    def silences(self) -> str:
        """E.g. "a 3.0 s lead-in, 1 pause over 1 s and a 1.2 s tail": what the trim shortens."""
        found = [f"a {self.lead_in:.1f} s lead-in"] if self.lead_in > MARGIN_SECONDS + 0.05 else []
        if self.long_pauses:
            found.append(f"{self.long_pauses} pause{'s' if self.long_pauses > 1 else ''} over {LONG_PAUSE_SECONDS:g} s")
        found += [f"a {self.tail:.1f} s tail"] if self.tail > MARGIN_SECONDS + 0.05 else []
        if len(found) < 2:
            return "".join(found) or "no long silence"
        return f"{', '.join(found[:-1])} and {found[-1]}"


def plan_silences(samples: np.ndarray, rate: int) -> SilencePlan:
    """The ranges to keep: all the speech, its short pauses, and a natural length of each long silence."""
    total = len(samples)
    edges = [(round(start * rate), min(total, round(end * rate))) for start, end in speech_spans(samples, rate)]
    if not edges:  # no speech heard: nothing to shorten (the audio checks refuse a silent clip)
        return SilencePlan(rate, total, ((0, total),), 0.0, 0.0, 0)
    margin, half_pause = round(MARGIN_SECONDS * rate), round(NATURAL_PAUSE_SECONDS * rate / 2)
    keep, start, pauses = [], max(0, edges[0][0] - margin), 0
    for (_, before), (after, _) in zip(edges, edges[1:], strict=False):
        if after - before > LONG_PAUSE_SECONDS * rate:
            keep.append((start, before + half_pause))
            start, pauses = after - half_pause, pauses + 1
    keep.append((start, min(total, edges[-1][1] + margin)))
    return SilencePlan(rate, total, tuple(keep), edges[0][0] / rate, (total - edges[-1][1]) / rate, pauses)
