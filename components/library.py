"""The visitor's past runs: a video re-opened from this server, or recovered from fal by its request id.

Recovering reads a stored result (free at fal): nothing is generated or charged again. On the app's
own key only jobs in its ledger can be recovered, so nobody can use the owner's key to fetch — or to
probe fal with — other people's request ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from components.access import may_open_local_copy
from components.backends.base import Backend
from components.errors import GenerationError, InputRejected
from components.events import Reopened
from components.ledger import Ledger
from components.payer import Payer
from components.runs import Run, check_request_id, from_entry
from components.settings import Settings


@dataclass(frozen=True)
class Library:
    settings: Settings
    backends: Mapping[str, Backend] = field(repr=False)
    ledger: Ledger = field(repr=False)

    async def reopen(self, entry: object, payer: Payer) -> Reopened:
        """A past run's video: the local copy if it is this payer's and still here, else fal's stored result."""
        run = from_entry(entry)
        backend = self.backends.get(run.endpoint)
        local = backend.output_dir / run.video if backend is not None else None
        if (
            local is not None
            and local.is_file()
            and may_open_local_copy(run, payer.id, self.ledger.sightings.visible_to)
        ):
            return Reopened(run, local, recovered=False)
        if not run.request_id:
            raise InputRejected("That preview is no longer on this server; generate it again (it is free).")
        return await self.recover(run.request_id, run.endpoint, payer)

    async def recover(self, request_id: str | None, endpoint: str | None, payer: Payer) -> Reopened:
        """Fetch a finished fal job again by its request id. With no model given, the ledger's record
        of the job names it, else each catalog model that can be recovered is asked in turn."""
        key, request_id = payer.key, check_request_id(request_id)
        endpoints = self._candidates(request_id, endpoint)
        if key is None and not (
            self.ledger.holds(request_id) and self.ledger.sightings.visible_to(payer.id, [request_id])
        ):
            raise InputRejected(
                f"On the app's fal key only jobs this app ran for you can be recovered, and {request_id} is not one "
                "of them. Paste the fal key that ran it into “Your fal key”, or sign in as you did when you ran it."
            )
        failure: GenerationError | None = None
        for candidate in endpoints:
            model = self.settings.model(candidate)
            try:
                finished = await self.backends[candidate].recover(candidate, request_id, key, model.price_per_second)
            except GenerationError as exc:  # not this model's job (fal: not found): ask the next one
                failure = exc
                continue
            if key is None:  # what fal's result says it cost ends the row's money
                self.ledger.recovered(request_id, finished.seconds, finished.cost)
            self.ledger.sightings.seen(payer.id, [request_id])
            return Reopened(Run.made_by(model, finished), finished.video, recovered=True)
        raise failure or InputRejected("No model in this app's catalog can recover a job.")

    def _candidates(self, request_id: str, endpoint: str | None) -> list[str]:
        """The model named first (if any), then the one the ledger knows, then every recoverable model:
        a request id tells fal nothing about which model ran it, and the page's dropdown may have moved on."""
        recoverable = [m.endpoint for m in self.settings.models if self.backends[m.endpoint].recoverable]
        if endpoint:
            self.settings.model(endpoint)  # refuses an unknown model with a sentence
        known = self.ledger.endpoint_of(request_id)
        ordered = [e for e in (endpoint, known) if e and e in recoverable] + recoverable
        return list(dict.fromkeys(ordered))
