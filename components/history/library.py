"""The visitor's past runs: a video re-opened from this server, or recovered from fal by its request id.

Recovering reads a stored result (free at fal): nothing is generated or charged again. On the app's
own key only jobs in its ledger can be recovered, so nobody can use the owner's key to fetch — or to
probe fal with — other people's request ids.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from components.errors import GenerationError, InputRejected
from components.events import Reopened
from components.history.runs import Run, check_request_id, from_entry, now_iso
from components.running.narration_parts import join_parts, joined_path
from components.spending.access import may_open_local_copy
from components.spending.narration_ledger import NarrationLedger

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.backends.base import Backend
    from components.config.settings import Settings
    from components.spending.ledger import Ledger
    from components.spending.narration_ledger import NarrationRecord
    from components.spending.payer import Payer


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
        """Fetch a finished fal job again by its request id. A job the ledger holds is labelled and priced
        with the model that ran it, whatever model is chosen; a narration's id, or any of its parts', brings
        the whole narration back as one video. Otherwise the model given is asked first, then the others."""
        key, request_id = payer.key, check_request_id(request_id)
        endpoints = self._candidates(request_id, endpoint)
        narration = NarrationLedger(self.ledger).of_request(request_id)
        if key is None and not self._ran_for(payer, request_id, narration):
            raise InputRejected(
                f"On the app's fal key only jobs this app ran for you can be recovered, and {request_id} is not one "
                "of them. Paste the fal key that ran it into “Your fal key”, or sign in as you did when you ran it."
            )
        if narration is not None and narration.whole and narration.endpoint in self.backends:
            return await self._narration(narration, key)
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

    def _ran_for(self, payer: Payer, request_id: str, narration: NarrationRecord | None) -> bool:
        """A job in the ledger that this payer was shown — a narration is one thing: any of its ids will do."""
        ids = [narration.narration_id, *narration.parts] if narration is not None else [request_id]
        shown = self.ledger.sightings.visible_to
        return self.ledger.holds(request_id) and any(shown(payer.id, [rid]) for rid in ids if rid)

    async def _narration(self, record: NarrationRecord, key: str | None) -> Reopened:
        """The joined video this server made, else every part fetched again from fal (free) and joined."""
        model = self.settings.model(record.endpoint)
        backend = self.backends[model.endpoint]
        seconds, dollars = record.seconds, record.dollars
        target = joined_path(backend.output_dir, record.narration_id)
        if not target.is_file():  # swept from the disk, or never joined (the app stopped first)
            price = model.price_per_second
            found = await asyncio.gather(*(backend.recover(model.endpoint, part, key, price) for part in record.parts))
            videos, lengths = [part.video for part in found], list(record.lengths)
            target = await join_parts(backend.output_dir, record.narration_id, videos, lengths, record.parts)
            if not record.settled:  # the ledger has no actual figures yet: fal's, priced as the ledger's model
                seconds, dollars = sum(part.seconds for part in found), sum(part.cost for part in found)
        run = Run(
            model.endpoint,
            model.label,
            seconds,
            dollars,
            record.narration_id,
            target.name,
            now_iso(),
            parts=record.parts,
        )
        return Reopened(run, target, recovered=True)

    def _candidates(self, request_id: str, endpoint: str | None) -> list[str]:
        """The model the ledger says ran the job; else the model named (if any), then every recoverable
        model: a request id tells fal nothing about which model ran it, and the page's dropdown may have moved on."""
        recoverable = [m.endpoint for m in self.settings.models if self.backends[m.endpoint].recoverable]
        if endpoint:
            self.settings.model(endpoint)  # refuses an unknown model with a sentence
        known = self.ledger.endpoint_of(request_id)
        if known in recoverable:
            return [known]
        return list(dict.fromkeys(([endpoint] if endpoint in recoverable else []) + recoverable))
