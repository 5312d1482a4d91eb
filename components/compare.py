"""The same portrait, voice and prompt on two or three models at once, for a side-by-side choice.

Each model's job is an ordinary studio job (its own checks, reservation, history run, Stop);
this merges their event streams, tagging each event with its model. On the app's key the
total is checked against the caps first, so a comparison is refused whole rather than halfway.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence

from components.errors import BudgetExceeded, InputRejected, StudioError
from components.events import Event
from components.identity import Visitor
from components.studio import Studio

MAX_MODELS = 3


def compare_sessions(session: str | None, endpoints: Sequence[str]) -> list[str]:
    """The tracker session of each model's job, so Stop can reach every one of them."""
    return [f"{session or 'api'}|{endpoint}" for endpoint in endpoints]


async def check_comparison(
    studio: Studio, audio: str | None, endpoints: Sequence[str], raw_key: str | None, visitor: Visitor
) -> float:
    """The total estimate; refuses what could not run in full (too few or many models, the owner's caps)."""
    if not 2 <= len(endpoints) <= MAX_MODELS:
        raise InputRejected(f"Choose 2 to {MAX_MODELS} models to compare.")
    models = [studio.settings.model(endpoint) for endpoint in endpoints]
    total = sum([(await studio.preflight.estimate(audio, model.endpoint)).estimate.dollars for model in models])
    paid_on_owner = [m for m in models if studio.backends[m.endpoint].paid] if not studio.visitor_key(raw_key) else []
    at_once = studio.settings.budget.max_jobs_per_visitor_at_once
    if paid_on_owner and len(paid_on_owner) > at_once:
        raise BudgetExceeded(
            f"Comparing runs {len(paid_on_owner)} jobs at once, and on the app's fal key you may run {at_once} at "
            "once. Paste your own fal key to compare, or generate one model at a time."
        )
    return total


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
    """(endpoint, event) as each model's job moves; a failed model ends with its error, the others go on."""
    updates: asyncio.Queue[tuple[str, Event | StudioError] | None] = asyncio.Queue()

    async def run(endpoint: str, tab: str) -> None:
        try:
            async for event in studio.generate(image, audio, prompt, endpoint, raw_key, visitor, False, tab):
                await updates.put((endpoint, event))
        except StudioError as exc:
            await updates.put((endpoint, exc))
        finally:
            await updates.put(None)

    tasks = [
        asyncio.create_task(run(e, t)) for e, t in zip(endpoints, compare_sessions(session, endpoints), strict=True)
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
