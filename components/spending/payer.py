"""Who pays for one request, decided once: the visitor's own fal key, or the owner's key for this visitor.

Every path that may spend (Generate, a typed script, /speak, /compare, a narration, the readiness
line) describes what the whole request would spend as a list of `Spend`s and asks its `Payer`. On the
owner's key the payer applies the sign-in rule and every cap to the whole request — voice and video,
every part, every compared model — and reserves it in one ledger transaction, or refuses it whole
before the first byte leaves. On a visitor's own key nothing is limited and nothing is reserved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from components.spending.budget import Reservation
from components.spending.identity import payer_of

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.spending.budget import Caps
    from components.spending.identity import Visitor
    from components.spending.ledger import Ledger, Usage
    from components.spending.pricing import Estimate


@dataclass(frozen=True)
class Spend:
    """One thing the request would buy at fal: a video (its estimate, a ledger row per part) or a voice."""

    endpoint: str
    paid: bool  # False: rendered on this machine, it costs the owner nothing
    estimate: Estimate | None = None
    dollars: float = 0.0

    @property
    def amounts(self) -> list[float]:
        return [part.dollars for part in self.estimate.parts] if self.estimate is not None else [self.dollars]

    @property
    def total(self) -> float:
        return self.estimate.dollars if self.estimate is not None else self.dollars


@dataclass(frozen=True)
class Payer:
    visitor: Visitor
    key: str | None = field(repr=False)
    caps: Caps = field(repr=False)
    ledger: Ledger = field(repr=False)

    @property
    def owner_pays(self) -> bool:
        return self.key is None

    @property
    def id(self) -> str:
        """Whose money: a digest of the visitor's key, or `owner:<visitor>` (re-use and job visibility key on it)."""
        return payer_of(self.visitor, self.key)

    def admit(self, paid: bool) -> None:
        """The sign-in rule, before any work: cheap, so it runs before anything is decoded."""
        if paid and self.owner_pays:
            self.caps.check_login(self.visitor.signed_in)

    def check(self, spends: list[Spend]) -> None:
        """Every rule `reserve` applies, reserving nothing: what the readiness line shows."""
        owed = self._owed(spends)
        if owed:
            self._check_request(owed)
            self._allow(owed)(self.ledger.usage(self.visitor.id))

    def reserve(self, spends: list[Spend], replacing: list[int] = ()) -> list[list[Reservation | None]]:
        """The whole request in one transaction (rows in `replacing`, held earlier for it, give way first);
        per spend, its reservations — one per part — or None for each part the owner does not pay."""
        owed = self._owed(spends)
        if not owed:
            return [[None] * len(spend.amounts) for spend in spends]
        self._check_request(owed)
        rows = iter(
            self.ledger.reserve(
                self.visitor.id,
                [(spend.endpoint, amount) for spend in owed for amount in spend.amounts],
                self._allow(owed),
                replacing=list(replacing),
            )
        )
        return [
            [Reservation(self.ledger, next(rows)) if spend in owed else None for _ in spend.amounts] for spend in spends
        ]

    def _owed(self, spends: list[Spend]) -> list[Spend]:
        owed = [spend for spend in spends if spend.paid and self.owner_pays]
        if owed:
            self.caps.check_login(self.visitor.signed_in)
        return owed

    def _check_request(self, owed: list[Spend]) -> None:
        for spend in owed:
            if spend.estimate is not None:
                self.caps.check_request(spend.estimate)

    def _allow(self, owed: list[Spend]) -> Callable[[Usage], None]:
        """The check the ledger runs inside its transaction, on today's usage."""
        dollars = sum(spend.total for spend in owed)
        videos = sum(1 for spend in owed if spend.estimate is not None)
        return lambda used: self.caps.check_usage(dollars, used, videos, anonymous=self.visitor.anonymous)
