"""Cost arithmetic. Pure: no I/O, no gradio.

fal does not document its billing granularity, so the app keeps one rule for what it shows
before and after: whole seconds rounded up (the cautious reading) unless a model's price rule
says `rounding: exact`, and a model's `min_seconds` bills a shorter video as that long. The
estimate applies the rule to the clip's length, the finished cost to the `duration` fal returns
(or the video's own length), so the two agree whenever fal returns the audio's length.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.config.models import Model

HEADER_SLACK_SECONDS = 0.1


@dataclass(frozen=True)
class Estimate:
    seconds: float
    billed_seconds: float  # whole seconds unless the model bills `exact`
    price_per_second: float
    # A narration longer than the model takes runs as parts, each billed on its own (rounded up).
    part_seconds: tuple[float, ...] = ()
    min_seconds: float = 0.0
    rounding: str = "up"

    @property
    def dollars(self) -> float:
        return self.billed_seconds * self.price_per_second

    @property
    def parts(self) -> tuple[Estimate, ...]:
        """One estimate per video fal makes: itself, or one per part of a narration."""
        if len(self.part_seconds) < 2:
            return (self,)
        return tuple(
            estimate(seconds, self.price_per_second, self.min_seconds, self.rounding) for seconds in self.part_seconds
        )

    def describe(self) -> str:
        """E.g. `8.4 s, billed as 9 s × $0.115/s = $1.04`, or `6.3 s — Free`: numbers that add up as shown.

        A narration in parts shows each part's billed seconds: `150.0 s in 3 parts, billed as 51 + 50 + 50 = …`."""
        in_parts = f" in {len(self.parts)} parts" if len(self.parts) > 1 else ""
        if self.price_per_second == 0:
            return f"{self.seconds:.1f} s{in_parts} — Free"
        billed = f"{self.billed_seconds:g} s"
        if in_parts:
            billed = " + ".join(f"{part.billed_seconds:g}" for part in self.parts) + f" = {billed}"
        return (
            f"{self.seconds:.1f} s{in_parts}, billed as {billed} × {format_price(self.price_per_second)}/s "
            f"= {format_dollars(self.dollars)}"
        )


def billed_seconds(seconds: float, min_seconds: float = 0.0, rounding: str = "up") -> float:
    # An MP3 reads longer than its sound by the encoder's delay and padding (up to ~2,300 samples: 0.05 s at
    # 44.1 kHz, 0.1 s at 22 kHz), and the app sends WAVs as MP3s: a 4.0 s WAV comes back from fal as 4.07 s.
    # Without this slack the estimate (4 s) and the finished cost (5 s) would disagree on the same sound.
    if rounding == "exact":
        return max(min_seconds, round(seconds, 2))
    return max(1, math.ceil(min_seconds), math.ceil(seconds - HEADER_SLACK_SECONDS))


def estimate(seconds: float, price_per_second: float, min_seconds: float = 0.0, rounding: str = "up") -> Estimate:
    billed = billed_seconds(seconds, min_seconds, rounding)
    return Estimate(seconds, billed, price_per_second, (), min_seconds, rounding)


def estimate_parts(
    part_seconds: list[float], price_per_second: float, min_seconds: float = 0.0, rounding: str = "up"
) -> Estimate:
    """A narration sent as parts: fal bills each part's video on its own."""
    if len(part_seconds) == 1:
        return estimate(part_seconds[0], price_per_second, min_seconds, rounding)
    billed = sum(estimate(seconds, price_per_second, min_seconds, rounding).billed_seconds for seconds in part_seconds)
    return Estimate(sum(part_seconds), billed, price_per_second, tuple(part_seconds), min_seconds, rounding)


def model_estimate(model: Model, part_seconds: list[float]) -> Estimate:
    """By the model's own price rule, for its chosen options."""
    rule = model.price
    return estimate_parts(part_seconds, model.price_per_second, rule.min_seconds, rule.rounding)


def actual_cost(video_seconds: float, price_per_second: float, min_seconds: float = 0.0, rounding: str = "up") -> float:
    """The estimate's rule on the returned duration: 8.4 s is shown as 9 s billed, before and after."""
    return billed_seconds(video_seconds, min_seconds, rounding) * price_per_second


def transcription_cost(seconds: float, price_per_minute: float, rounding: str = "up") -> float:
    """Speech-to-text by the audio's length: every started minute (`up`, with the MP3 header's slack), or exact."""
    if rounding == "exact":
        return round(seconds, 2) / 60 * price_per_minute
    return max(1, math.ceil((seconds - HEADER_SLACK_SECONDS) / 60)) * price_per_minute


def format_cost(amount: float) -> str:
    """What the page shows for a cost: "Free" for nothing, never "$0.00" for a cost under a cent."""
    if amount <= 0:
        return "Free"
    if amount < 0.005:
        return "under $0.01"
    return format_dollars(amount)


def format_dollars(amount: float) -> str:
    """Half-up to the cent, as people round money: 9 s × $0.115 = $1.035 → $1.04."""
    return f"${_to_cents(amount):,.2f}"


def format_saving(before: float, after: float) -> str:
    """What `after` saves on `before`, as the two amounts are shown: $1.50 − $1.04 = $0.46 (not their exact
    difference rounded, which can be a cent off what a visitor reads on the page)."""
    return f"${_to_cents(before) - _to_cents(after):,.2f}"


def _to_cents(amount: float) -> Decimal:
    return Decimal(repr(round(amount, 9))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def format_price(price_per_second: float) -> str:
    """Prices keep their significant digits: $0.115, $0.0562, $0."""
    if price_per_second == 0:
        return "$0"
    return f"${price_per_second:.4f}".rstrip("0").rstrip(".")
