"""Cost arithmetic. Pure: no I/O, no gradio.

fal does not document its billing granularity, so estimates bill whole seconds
rounded up (the cautious reading); the actual cost uses the `duration` fal
returns with the finished video.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

HEADER_SLACK_SECONDS = 0.05


@dataclass(frozen=True)
class Estimate:
    seconds: float
    billed_seconds: int
    price_per_second: float

    @property
    def dollars(self) -> float:
        return self.billed_seconds * self.price_per_second

    def describe(self) -> str:
        """E.g. `8.4 s, billed as 9 s × $0.115/s = $1.04`, or `6.3 s — Free`: numbers that add up as shown."""
        if self.price_per_second == 0:
            return f"{self.seconds:.1f} s — Free"
        return (
            f"{self.seconds:.1f} s, billed as {self.billed_seconds} s × {format_price(self.price_per_second)}/s "
            f"= {format_dollars(self.dollars)}"
        )


def estimate(seconds: float, price_per_second: float) -> Estimate:
    # Headers overstate MP3 length by the encoder's delay and padding (~0.05 s),
    # so a clip that decodes to exactly 5 s is not quoted as 6.
    billed = max(1, math.ceil(seconds - HEADER_SLACK_SECONDS))
    return Estimate(seconds=seconds, billed_seconds=billed, price_per_second=price_per_second)


def actual_cost(video_seconds: float, price_per_second: float) -> float:
    return video_seconds * price_per_second


def format_dollars(amount: float) -> str:
    """Half-up to the cent, as people round money: 9 s × $0.115 = $1.035 → $1.04."""
    cents = Decimal(repr(round(amount, 9))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"${cents:,.2f}"


def format_price(price_per_second: float) -> str:
    """Prices keep their significant digits: $0.115, $0.0562, $0."""
    if price_per_second == 0:
        return "$0"
    return f"${price_per_second:.4f}".rstrip("0").rstrip(".")
