"""The same portrait, voice and prompt on two or three models at once, for a side-by-side choice.

Each model's job is an ordinary studio job (its own checks, reservation, history run, Stop);
this merges their event streams, tagging each event with its model. On the app's key the
total is checked against the caps first, so a comparison is refused whole rather than halfway.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING

from components.errors import InputRejected, StudioError
from components.spending.payer import Spend

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.events import Event
    from components.spending.identity import Visitor
    from components.studio import Studio

MAX_MODELS = 3


def compare_sessions(session: str | None, endpoints: Sequence[str]) -> list[str]:
    """The tracker session of each model's job, so Stop can reach every one of them."""
    return [f"{session or 'api'}|{endpoint}" for endpoint in endpoints]


async def comparison_spends(studio: Studio, audio: str | None, endpoints: Sequence[str]) -> list[Spend]:
    """What the comparison would buy, model by model (refused when there are too few or too many models)."""
    if not 2 <= len(endpoints) <= MAX_MODELS:
        raise InputRejected(f"Choose 2 to {MAX_MODELS} models to compare.")
    models = [studio.settings.model(endpoint) for endpoint in endpoints]
    quotes = [await studio.preflight.estimate(audio, model.endpoint) for model in models]
    return [
        Spend(m.endpoint, studio.backends[m.endpoint].paid, q.estimate) for m, q in zip(models, quotes, strict=True)
    ]


async def check_comparison(
    studio: Studio, audio: str | None, endpoints: Sequence[str], raw_key: str | None, visitor: Visitor
) -> float:
    """The total estimate; refuses what could not run in full (the payer's rules on the whole comparison)."""
    spends = await comparison_spends(studio, audio, endpoints)
    studio.payer(visitor, raw_key).check(spends)
    return sum(spend.total for spend in spends)


async def compare(
    studio: Studio,
    image: str | None,
    audio: str | None,
    prompt: str,
    endpoints: Sequence[str],
    raw_key: str | None,
    visitor: Visitor,
    session: str | None,
) -> AsyncIterator[tuple[str, Event | StudioError]]:
    """(endpoint, event) as each model's job moves; a failed model ends with its error, the others go on.
    On the owner's key every model is reserved in one step first, so a comparison runs whole or not at all."""
    held = studio.payer(visitor, raw_key).reserve(await comparison_spends(studio, audio, endpoints))
    updates: asyncio.Queue[tuple[str, Event | StudioError] | None] = asyncio.Queue()

    async def run(endpoint: str, tab: str, rows: list[int]) -> None:
        try:
            jobs = studio.generate(image, audio, prompt, endpoint, raw_key, visitor, False, tab, held=rows)
            async for event in jobs:
                await updates.put((endpoint, event))
        except StudioError as exc:
            await updates.put((endpoint, exc))
        finally:
            for row in rows:  # a placeholder never reaches fal; the model's job exchanged it if it started
                studio.ledger.release(row)
            await updates.put(None)

    rows = [[reservation.row for reservation in each if reservation is not None] for each in held]
    tasks = [
        asyncio.create_task(run(e, t, r))
        for e, t, r in zip(endpoints, compare_sessions(session, endpoints), rows, strict=True)
    ]
    try:
        running = len(tasks)
        while running:
            update = await updates.get()
            if update is None:
                running -= 1
                continue
            yield update
    finally:
        for task in tasks:
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.gather(*tasks, return_exceptions=True)
