"""Captions as a visitor edited them: SRT or WebVTT text read back into cues, checked before anything uses them.

The page shows the made captions as SRT text; what comes back is read leniently (either format, numbered
or not, `,` or `.` before the milliseconds, hours optional) and checked strictly: every caption has its
times and some words, starts where the one before it ended or later, and ends after it starts, inside the
video. A problem is one sentence naming the caption, so the visitor knows which line to mend.
"""

from __future__ import annotations

import re

from components.errors import InputRejected
from components.posting.cues import Cue

_TIMES = re.compile(r"^\s*(?P<start>[\d:.,]+)\s*-->\s*(?P<end>[\d:.,]+)")
_STAMP = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?$")
# A caption may end this much past the video's last frame (the length read back from the file rounds).
END_SLACK_SECONDS = 0.25
FORMAT_HINT = "write them as 00:00:01,200 --> 00:00:03,400"


def read_cues(text: str, video_seconds: float) -> list[Cue]:
    """The edited captions, checked against the video's length; refused with a sentence naming the caption."""
    blocks = [block.strip().splitlines() for block in re.split(r"\n\s*\n", text.replace("\r", "").strip())]
    cues = []
    for lines in blocks:
        if not lines or lines[0].startswith(("WEBVTT", "NOTE", "STYLE", "REGION")):
            continue
        number = len(cues) + 1
        timing = next((index for index, line in enumerate(lines[:2]) if "-->" in line), None)
        if timing is None:
            raise InputRejected(f"Caption {number} (“{_quote(lines)}”) has no times: {FORMAT_HINT}.")
        if any("-->" in line for line in lines[timing + 1 :]):
            raise InputRejected(f"Caption {number + 1} needs an empty line before its times.")
        words = " ".join(line.strip() for line in lines[timing + 1 :] if line.strip())
        cues.append(Cue(*_times(lines[timing], number), words))
    if not cues:
        raise InputRejected(f"No captions were found in the text: each needs its times ({FORMAT_HINT}) and its words.")
    return check_cues(cues, video_seconds)


def check_cues(cues: list[Cue], video_seconds: float) -> list[Cue]:
    previous_end = 0.0
    for number, cue in enumerate(cues, 1):
        if not cue.text:
            raise InputRejected(f"Caption {number} has no words: write them under its times, or delete the caption.")
        if cue.end <= cue.start:
            raise InputRejected(f"Caption {number} ends ({cue.end:.3f} s) before it starts ({cue.start:.3f} s).")
        if cue.start < previous_end - 1e-6:
            raise InputRejected(
                f"Caption {number} starts at {cue.start:.3f} s, before caption {number - 1} ends "
                f"({previous_end:.3f} s): captions go in order, one after another."
            )
        if cue.end > video_seconds + END_SLACK_SECONDS:
            raise InputRejected(
                f"Caption {number} ends at {cue.end:.3f} s, after the video's end ({video_seconds:.1f} s)."
            )
        previous_end = cue.end
    return [Cue(cue.start, min(cue.end, video_seconds), cue.text) for cue in cues]


def _times(line: str, number: int) -> tuple[float, float]:
    found = _TIMES.match(line)
    stamps = [_seconds(found[name]) for name in ("start", "end")] if found else [None]
    if None in stamps:
        raise InputRejected(f"Caption {number}'s times (“{line.strip()}”) could not be read: {FORMAT_HINT}.")
    return stamps[0], stamps[1]


def _seconds(stamp: str) -> float | None:
    found = _STAMP.match(stamp)
    if found is None:
        return None
    hours, minutes, seconds, millis = found.groups()
    if int(minutes) > 59 or int(seconds) > 59:
        return None
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int((millis or "0").ljust(3, "0")) / 1000


def _quote(lines: list[str]) -> str:
    shown = " ".join(lines)
    return shown if len(shown) <= 40 else shown[:39] + "…"
