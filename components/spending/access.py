"""What a caller may follow again or open: only what this app showed that payer, and nothing unbounded.

A history entry comes back from the browser, where anyone can write one; the events that take it are
not public, but a script can call them all the same. So an entry is believed only as far as the
ledger's sightings confirm it (the request ids this app showed to this payer), and a narration's
parts are bounded by what a narration can be.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from components.errors import InputRejected

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.config.settings import AudioLimits
    from components.history.runs import Run

NOT_YOURS = "That job is not one this app ran for you, so it cannot be followed or opened here."
_PREVIEW_VIDEO = re.compile(r"^preview-[0-9a-f]{12}\.mp4$")


def max_parts(limits: AudioLimits) -> int:
    return max(1, math.ceil(limits.max_total_seconds / max(limits.min_seconds, 1.0)))


def check_resumable(run: Run, limits: AudioLimits, payer: str, visible_to: Callable[[str, list[str]], bool]) -> None:
    """Refused in well under a second: too many or repeated parts, or any id this payer was never shown."""
    ids = [run.request_id or "", *run.parts]
    if len(run.parts) > max_parts(limits) or len(set(run.parts)) != len(run.parts) or "" in ids[:1]:
        raise InputRejected("That history entry is damaged; it cannot be followed.")
    if not visible_to(payer, [rid for rid in ids if rid]):
        raise InputRejected(NOT_YOURS)


def may_open_local_copy(run: Run, payer: str, visible_to: Callable[[str, list[str]], bool]) -> bool:
    """The video on this server belongs to the run and was shown to this payer: named after its request id,
    or a preview's name (a share link shows that name to whoever holds the link, so the name alone is no proof)."""
    if not run.request_id:
        return bool(_PREVIEW_VIDEO.match(run.video)) and visible_to(payer, [run.video.removesuffix(".mp4")])
    named = run.video in (f"{run.request_id}.mp4", f"narration-{run.request_id}.mp4")
    return named and visible_to(payer, [run.request_id])
