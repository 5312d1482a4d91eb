"""The owner's budget guard for a public Space. Pure logic: no gradio.

Only runs paid with the app's own FAL_KEY count; a visitor's own key is theirs
to spend. Limits come from space.yaml's `budget` block.
"""

from __future__ import annotations

from dataclasses import dataclass

from components.errors import BudgetExceeded
from components.pricing import Estimate, format_dollars
from components.settings import Budget

TAIL = "Use a shorter clip, or paste your own fal key."


@dataclass
class SessionSpend:
    """What one visitor session has committed on the owner's key.

    Mutable on purpose: it lives in that session's `gr.State`, and a job
    reserves its estimate before it starts so that two clicks in one session
    cannot both squeeze under the limit.
    """

    seconds: float = 0.0
    dollars: float = 0.0

    def reserve(self, estimate: Estimate) -> None:
        self.seconds += estimate.billed_seconds
        self.dollars += estimate.dollars

    def settle(self, estimate: Estimate, actual_seconds: float, actual_dollars: float) -> None:
        self.seconds += actual_seconds - estimate.billed_seconds
        self.dollars += actual_dollars - estimate.dollars

    def release(self, estimate: Estimate) -> None:
        self.seconds -= estimate.billed_seconds
        self.dollars -= estimate.dollars


def check_budget(estimate: Estimate, spent: SessionSpend, budget: Budget) -> None:
    """Raise `BudgetExceeded`, with the numbers, before anything is spent."""
    seconds, dollars = estimate.billed_seconds, estimate.dollars
    if seconds > budget.max_seconds_per_request or dollars > budget.max_dollars_per_request + 1e-9:
        raise BudgetExceeded(
            f"This clip would use {seconds} s ({format_dollars(dollars)}) of the app's fal budget; "
            f"one video may use at most {budget.max_seconds_per_request:g} s and "
            f"{format_dollars(budget.max_dollars_per_request)}. {TAIL}"
        )
    over_seconds = spent.seconds + seconds > budget.max_seconds_per_session
    over_dollars = spent.dollars + dollars > budget.max_dollars_per_session + 1e-9
    if over_seconds or over_dollars:
        raise BudgetExceeded(
            f"This session has used {spent.seconds:.0f} s ({format_dollars(spent.dollars)}) of its "
            f"{budget.max_seconds_per_session:g} s / {format_dollars(budget.max_dollars_per_session)} budget "
            f"on the app's fal key, and this clip needs {seconds} s ({format_dollars(dollars)}). {TAIL}"
        )
