"""A crowd: PAGES open pages, JOBS jobs waiting at fal, ESTIMATES_PER_SECOND estimates a second.

An open page is a page load (GET / and /config) and then Gradio's heartbeat stream, held open as a
browser tab holds it (the page's load events are not replayed). The jobs are /generate calls with the
realistic photo and voice on the app's key, each with its event stream open, against a fake fal whose
jobs run for an hour: the app polls fal for every one of them. Meanwhile estimates are started at a
fixed rate whatever their latency (open loop) and a page load every half second, each timed. The
baseline is one visitor alone on the same app before the crowd arrives: estimates one after another,
page loads one after another.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.gradio_http import arguments, upload
from bench.processes import fake_fal, served

PRO, KEY = "fal-ai/kling-video/ai-avatar/v2/pro", "bench-key"
PAGES, JOBS, ESTIMATES_PER_SECOND, PAGE_LOADS_PER_SECOND, WINDOW_SECONDS = 200, 50, 10, 2, 20
ALONE_SAMPLES = 30
JOBS_AT_ONCE = 5  # generations started together while the crowd gathers
QUIET_SECONDS = 20.0  # no job reached fal for this long: the app holds the rest back
CALL_TIMEOUT = 30.0  # an estimate or page load not done by then counts as this long


@dataclass(frozen=True)
class Crowd:
    estimate_alone: list[float]
    estimate_crowded: list[float]
    page_alone: list[float]
    page_crowded: list[float]
    pages_open: int
    jobs_waiting: int
    jobs_failed: int  # generations the app ended with an error on the way to fal (each retried)
    queued_in_app: int  # events waiting in Gradio's queue as the window opened


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


async def page_load(client: httpx.AsyncClient, url: str) -> float:
    started = time.perf_counter()
    for path in ("", "config"):
        (await client.get(url + path)).raise_for_status()
    return time.perf_counter() - started


async def called(client: httpx.AsyncClient, url: str, api_name: str, data: list, hold: bool = False) -> float:
    """POST a call and read its stream to the result (or, with `hold`, for as long as it lasts)."""
    started = time.perf_counter()
    response = await client.post(f"{url}gradio_api/call/{api_name}", json={"data": data})
    event_id = response.json()["event_id"]
    async with client.stream("GET", f"{url}gradio_api/call/{api_name}/{event_id}") as stream:
        event = None
        async for line in stream.aiter_lines():
            if line.startswith("event: "):
                event = line.removeprefix("event: ")
            elif event == "error" and line.startswith("data: "):
                raise RuntimeError(f"{api_name} failed: {json.loads(line.removeprefix('data: '))}")
            elif event == "complete" and not hold:
                return time.perf_counter() - started
    return time.perf_counter() - started


async def _bounded(timed: Awaitable[float]) -> float:
    try:
        return await asyncio.wait_for(timed, CALL_TIMEOUT)
    except (asyncio.TimeoutError, httpx.HTTPError, RuntimeError):
        return CALL_TIMEOUT


async def open_page(client: httpx.AsyncClient, url: str, opened: list[int]) -> None:
    await page_load(client, url)
    async with client.stream("GET", f"{url}gradio_api/heartbeat/{uuid.uuid4().hex[:11]}") as stream:
        opened[0] += 1
        async for _ in stream.aiter_lines():
            pass


async def at_rate(action: Callable[[], Awaitable[float]], per_second: float, seconds: float) -> list[float]:
    """Start `action()` per_second times a second for `seconds`, whatever each takes; their times."""
    tasks = []
    started = time.perf_counter()
    for i in range(int(per_second * seconds)):
        await asyncio.sleep(max(0.0, started + i / per_second - time.perf_counter()))
        tasks.append(asyncio.create_task(action()))
    return list(await asyncio.gather(*tasks))


async def _crowd(url: str, fal_url: str, face: dict, voice: dict) -> Crowd:
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    quiet = httpx.AsyncClient(timeout=120, limits=limits)
    crowd = httpx.AsyncClient(timeout=None, limits=limits)
    fal = httpx.AsyncClient(timeout=30, limits=httpx.Limits(keepalive_expiry=1))  # under the fake's 5 s
    estimate = arguments(url, "estimate_cost", audio=voice, model=PRO)

    async def one_estimate() -> float:
        return await _bounded(called(quiet, url, "estimate_cost", estimate))

    async def one_page() -> float:
        return await _bounded(page_load(quiet, url))

    await one_estimate()  # warm-up
    await one_page()
    estimate_alone = [await one_estimate() for _ in range(ALONE_SAMPLES)]
    page_alone = [await one_page() for _ in range(ALONE_SAMPLES)]
    opened = [0]
    holders = [asyncio.create_task(open_page(crowd, url, opened)) for _ in range(PAGES)]
    waiting, refused = await _jobs_at_fal(crowd, fal, url, fal_url, face, voice, holders)
    for _ in range(240):
        if opened[0] >= PAGES:
            break
        await asyncio.sleep(0.5)
    queued = (await quiet.get(f"{url}gradio_api/queue/status")).json().get("queue_size") or 0
    estimate_crowded, page_crowded = await asyncio.gather(
        at_rate(one_estimate, ESTIMATES_PER_SECOND, WINDOW_SECONDS),
        at_rate(one_page, PAGE_LOADS_PER_SECOND, WINDOW_SECONDS),
    )
    pages_open = opened[0]
    for holder in holders:
        holder.cancel()
    await asyncio.gather(*holders, return_exceptions=True)
    for client in (crowd, quiet, fal):
        await client.aclose()
    return Crowd(estimate_alone, estimate_crowded, page_alone, page_crowded, pages_open, waiting, refused, queued)


async def _jobs_at_fal(
    crowd: httpx.AsyncClient, fal: httpx.AsyncClient, url: str, fal_url: str, face: dict, voice: dict, holders: list
) -> tuple[int, int]:
    """Start JOBS generations, JOBS_AT_ONCE at a time, each next batch once fal has the last; a failed one is
    started again. When a batch gets nowhere (the app holds it back), the rest are started at once."""
    attempts = itertools.count()

    def start() -> asyncio.Task:
        data = arguments(url, "generate", image=face, audio=voice, prompt=f"crowd {next(attempts)}", model=PRO)
        return asyncio.create_task(called(crowd, url, "generate", data, hold=True))

    async def at_fal() -> int:
        return len((await fal.get(fal_url + "/_fake/stats")).json()["jobs"])

    failed, started = 0, 0
    while started - failed < JOBS and failed < JOBS:
        before = await at_fal()
        batch = [start() for _ in range(min(JOBS_AT_ONCE, JOBS - started + failed))]
        started += len(batch)

        async def progress(batch: list = batch, before: int = before) -> int:
            return await at_fal() - before + sum(task.done() for task in batch)

        if not await _until(progress, len(batch)):  # held back: the rest go in together
            holders += batch + [start() for _ in range(JOBS - started + failed)]
            break
        failed += sum(1 for task in batch if task.done() and task.exception() is not None)
        holders += [task for task in batch if not task.done()]
    await _until(at_fal, JOBS)
    return await at_fal(), failed


async def _until(progress: Callable[[], Awaitable[int]], goal: int, quiet: float = QUIET_SECONDS) -> bool:
    """Until `progress()` reaches `goal` (True), or has not moved for `quiet` seconds (False)."""
    last, since = None, time.monotonic()
    while (now := await progress()) < goal:
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since > quiet:
            return False
        await asyncio.sleep(0.5)
    return True


def measure(work: Path, photo: Path, voice: Path, fixed: Path) -> Crowd:
    env = {"FAKE_QUEUE_SECONDS": "1", "FAKE_RUN_SECONDS": "3600", "FAKE_FIXED_VIDEO": str(fixed)}
    with (
        fake_fal(**env) as fal_url,
        served("tests/fakes/app_on_fake.py", BENCH_FAL_URL=fal_url, FAL_KEY=KEY, KLING_STUDIO_DATA=str(work / "c")) as (
            _,
            url,
            _,
        ),
    ):
        face, speech = upload(url, photo), upload(url, voice)
        return asyncio.run(_crowd(url, fal_url, face, speech))
