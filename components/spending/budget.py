"""The owner's budget caps, checked against the ledger, and the life of one reservation.

Only jobs on the app's own FAL_KEY count; a visitor's own key is theirs to spend.
Every refusal names the cap, what was used, when it resets and the ways on.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import partial
from typing import TYPE_CHECKING

from components.errors import BudgetExceeded, GenerationError, InputRejected
from components.events import Allowance
from components.spending.pricing import format_dollars

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.backends.base import Finished, Progress
    from components.config.settings import Budget
    from components.spending.ledger import Ledger, Usage
    from components.spending.pricing import Estimate

LOGIN_REQUIRED = (
    "This app's own fal key is for signed-in visitors. Sign in with Hugging Face, paste your own fal key, "
    "or choose the free Local preview model."
)


def ways_on(login_offered: bool) -> str:
    sign_in = " or sign in with Hugging Face (signed-in visitors have their own allowance)" if login_offered else ""
    return f"Paste your own fal key (never limited here), choose the free Local preview model{sign_in}."


def resets_in(now: float | None = None) -> str:
    """Time to the next UTC midnight, when the daily caps start again."""
    moment = datetime.fromtimestamp(now if now is not None else time.time(), timezone.utc)
    left = (moment.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)) - moment
    hours, minutes = divmod(int(left.total_seconds()) // 60, 60)
    return f"at 00:00 UTC (in {hours} h {minutes:02d} min)"


@dataclass(frozen=True)
class Caps:
    budget: Budget
    login_offered: bool

    def check_login(self, signed_in: bool) -> None:
        if self.budget.owner_key_requires_login and not signed_in:
            raise InputRejected(LOGIN_REQUIRED)

    def reserve_again(self, ledger: Ledger, visitor: str, endpoint: str, estimate: Estimate) -> Reservation:
        """A narration's part that fal failed, sent once more: the daily caps still hold; its narration is running."""
        anonymous = visitor.startswith("ip:")
        check = partial(self.check_usage, estimate.dollars, videos=0, anonymous=anonymous)
        return Reservation(ledger, ledger.reserve(visitor, [(endpoint, estimate.dollars)], check)[0])

    def allowance(self, used: Usage) -> Allowance:
        visitor_left = max(0.0, self.budget.max_dollars_per_visitor_per_day - used.visitor_dollars)
        return Allowance(visitor_left, max(0.0, self.budget.max_dollars_per_day - used.app_dollars), resets_in())

    def check_request(self, estimate: Estimate) -> None:
        seconds, dollars = estimate.billed_seconds, estimate.dollars
        if seconds > self.budget.max_seconds_per_request or dollars > self.budget.max_dollars_per_request + 1e-9:
            raise BudgetExceeded(
                f"This clip would use {seconds} s ({format_dollars(dollars)}) of the app's fal key; one video may use "
                f"at most {self.budget.max_seconds_per_request:g} s and "
                f"{format_dollars(self.budget.max_dollars_per_request)}. Use a shorter clip. "
                + ways_on(self.login_offered)
            )

    def check_usage(self, dollars: float, used: Usage, videos: int = 1, anonymous: bool = False) -> None:
        """Raised inside the ledger's transaction, so parallel calls cannot all squeeze under a cap.
        `videos`: the new jobs this request starts (a comparison starts one per model; a voice alone none)."""
        budget, tail = self.budget, ways_on(self.login_offered)
        if videos and used.visitor_running + videos > budget.max_jobs_per_visitor_at_once:
            raise BudgetExceeded(
                f"This would run {videos} job(s) on the app's fal key while you have {used.visitor_running} running, "
                f"and at most {budget.max_jobs_per_visitor_at_once} may run at once. Wait for it to finish. {tail}"
            )
        if used.visitor_dollars + dollars > budget.max_dollars_per_visitor_per_day + 1e-9:
            raise BudgetExceeded(
                f"Today you have used {format_dollars(used.visitor_dollars)} of your "
                f"{format_dollars(budget.max_dollars_per_visitor_per_day)} a day on the app's fal key, and this "
                f"needs {format_dollars(dollars)}. It resets {resets_in()}. {tail}"
            )
        if anonymous and used.anonymous_dollars + dollars > budget.max_dollars_per_day_anonymous + 1e-9:
            raise BudgetExceeded(
                f"Visitors who are not signed in share {format_dollars(budget.max_dollars_per_day_anonymous)} a day "
                f"on the app's fal key, {format_dollars(used.anonymous_dollars)} of it is used, and this needs "
                f"{format_dollars(dollars)}. It resets {resets_in()}. {tail}"
            )
        if used.app_dollars + dollars > budget.max_dollars_per_day + 1e-9:
            raise BudgetExceeded(
                f"The app's fal key has reached its daily budget: {format_dollars(used.app_dollars)} of "
                f"{format_dollars(budget.max_dollars_per_day)} used by all visitors today, and this needs "
                f"{format_dollars(dollars)}. It resets {resets_in()}. {tail}"
            )


@dataclass
class Reservation:
    """One owner-key job in the ledger: reserved → accepted (request id) → settled, or released."""

    ledger: Ledger
    row: int
    may_have_reached_fal: bool = False
    request_id: str | None = field(default=None)

    def saw(self, progress: Progress) -> None:
        if progress.stage == "submitting":
            self.may_have_reached_fal = True
        if progress.request_id and self.request_id is None:
            self.request_id = progress.request_id
            self.ledger.accepted(self.row, progress.request_id)

    def finished(self, finished: Finished) -> None:
        self.ledger.settle(self.row, finished.seconds, finished.cost)

    def ended_without_video(self, error: BaseException | None) -> None:
        """Released only when fal provably never took the job: before the submit, or the submit was refused.
        Otherwise its money ends at the estimate — except when this process is shutting down while fal
        has the job: then it stays accepted, and the next start follows it to its video."""
        refused = isinstance(error, GenerationError) and error.refused_by_fal
        if self.request_id is None and (not self.may_have_reached_fal or refused):
            self.ledger.release(self.row)
        elif self.request_id is not None and refused:
            self.ledger.failed_at_fal(self.row)
        elif not (self.request_id is not None and isinstance(error, asyncio.CancelledError)):
            self.ledger.ended(self.row)
