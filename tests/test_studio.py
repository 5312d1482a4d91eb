"""The studio's rules, tested directly against a small in-memory backend: no Gradio, no server, no fal.

Key policy, budget reserve/settle/release, re-use of finished runs, reopen and recover.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from components.backends.base import Finished, Progress
from components.budget import SessionSpend
from components.errors import BudgetExceeded, InputRejected, RemoteFailure
from components.jobs import Job
from components.runs import RunCache
from components.settings import Budget, load_settings
from components.studio import Checking, Done, Reused, Studio, Working
from tests.fakes.media import portrait, tone_wav
from tests.helpers import PREVIEW, PRO


@dataclass
class MemoryBackend:
    """Follows the `Backend` interface; records what it was asked to do."""

    output_dir: Path
    paid: bool = True
    recoverable: bool = True
    server_key: str | None = "owner"
    fail_with: Exception | None = None
    calls: list[tuple[str, Any]] = field(default_factory=list)

    def has_key(self, visitor_key: str | None) -> bool:
        return bool(visitor_key or self.server_key)

    async def run(self, job: Job, visitor_key: str | None) -> AsyncIterator[Progress | Finished]:
        self.calls.append(("run", visitor_key))
        request_id = f"req-{len(self.calls)}"
        yield Progress("queued", request_id=request_id, queue_position=0)
        if self.fail_with is not None:
            raise self.fail_with
        yield self._finished(request_id, job.estimate.seconds, job.model.price_per_second)

    async def recover(self, endpoint: str, request_id: str, visitor_key: str | None, price: float) -> Finished:
        self.calls.append(("recover", (request_id, visitor_key)))
        return self._finished(request_id, 4.0, price)

    def _finished(self, request_id: str, seconds: float, price: float) -> Finished:
        video = self.output_dir / f"{request_id}.mp4"
        video.write_bytes(b"not really an mp4")
        return Finished(video, seconds, seconds * price, request_id)


@pytest.fixture
def inputs(tmp_path: Path) -> tuple[str, str]:
    return str(portrait(tmp_path / "face.png")), str(tone_wav(tmp_path / "voice.wav", 4.0))


def make_studio(tmp_path: Path, allow_keys: bool = True, budget: Budget | None = None) -> tuple[Studio, MemoryBackend]:
    settings = load_settings()
    settings = dataclasses.replace(settings, allow_visitor_keys=allow_keys, budget=budget or settings.budget)
    paid = MemoryBackend(tmp_path)
    free = MemoryBackend(tmp_path, paid=False, recoverable=False)
    backends = {m.endpoint: free if m.endpoint == PREVIEW else paid for m in settings.models}
    return Studio(settings, backends, RunCache()), paid


def collect(studio: Studio, *args: Any) -> list[Any]:
    async def run() -> list[Any]:
        return [event async for event in studio.generate(*args)]

    return asyncio.run(run())


def test_a_job_streams_checking_then_progress_then_done(tmp_path, inputs):
    studio, backend = make_studio(tmp_path)
    events = collect(studio, *inputs, "hello", PRO, "", SessionSpend())
    assert [type(e) for e in events] == [Checking, Working, Done]
    assert events[-1].run.request_id == "req-1" and events[-1].video.is_file()


def test_the_key_policy_strips_a_key_and_refuses_one_when_the_owner_says_so(tmp_path, inputs):
    studio, backend = make_studio(tmp_path)
    collect(studio, *inputs, "a", PRO, "  visitor-key \n", SessionSpend())
    assert backend.calls == [("run", "visitor-key")]
    closed, closed_backend = make_studio(tmp_path, allow_keys=False)
    for attempt in (
        lambda: collect(closed, *inputs, "a", PRO, "visitor-key", SessionSpend()),
        lambda: asyncio.run(closed.recover("req-7", PRO, "visitor-key")),
    ):
        with pytest.raises(InputRejected, match="does not accept visitors' fal keys"):
            attempt()
    assert closed_backend.calls == []


def test_owner_key_jobs_reserve_then_settle_and_a_failure_releases(tmp_path, inputs):
    studio, backend = make_studio(tmp_path)
    spent = SessionSpend()
    collect(studio, *inputs, "first", PRO, "", spent)
    assert spent.seconds == pytest.approx(4.0) and spent.dollars == pytest.approx(4.0 * 0.115)
    backend.fail_with = RemoteFailure("fal failed", "req-x")
    with pytest.raises(RemoteFailure):
        collect(studio, *inputs, "second", PRO, "", spent)
    assert spent.seconds == pytest.approx(4.0)  # the failed job's reservation was released
    backend.fail_with = None
    collect(studio, *inputs, "third", PRO, "visitor-key", spent)
    assert spent.seconds == pytest.approx(4.0)  # a visitor's own key is never counted


def test_over_budget_is_refused_before_the_backend_runs(tmp_path, inputs):
    studio, backend = make_studio(tmp_path, budget=Budget(60, 7.0, 5, 20.0))
    spent = SessionSpend(seconds=3, dollars=0.3)
    with pytest.raises(BudgetExceeded, match="This session has used 3 s"):
        collect(studio, *inputs, "a", PRO, "", spent)
    assert backend.calls == [] and spent.seconds == 3


def test_identical_paid_inputs_are_reused_and_a_changed_prompt_runs_again(tmp_path, inputs):
    studio, backend = make_studio(tmp_path)
    first = collect(studio, *inputs, "same", PRO, "", SessionSpend())[-1]
    again = collect(studio, *inputs, "same", PRO, "", SessionSpend())
    assert isinstance(again[-1], Reused) and again[-1].run == first.run
    collect(studio, *inputs, "different", PRO, "", SessionSpend())
    assert [name for name, _ in backend.calls] == ["run", "run"]


def test_free_renders_are_made_again(tmp_path, inputs):
    studio, _ = make_studio(tmp_path)
    free = studio.backends[PREVIEW]
    collect(studio, *inputs, "same", PREVIEW, "", SessionSpend())
    assert not isinstance(collect(studio, *inputs, "same", PREVIEW, "", SessionSpend())[-1], Reused)
    assert len(free.calls) == 2


def test_recover_asks_the_backend_with_the_visitors_key_and_checks_the_id(tmp_path):
    studio, backend = make_studio(tmp_path)
    found = asyncio.run(studio.recover(" req-42 ", PRO, " mine "))
    assert backend.calls == [("recover", ("req-42", "mine"))] and found.recovered
    with pytest.raises(InputRejected, match="request id"):
        asyncio.run(studio.recover("../etc/passwd", PRO, ""))


def test_reopen_uses_the_local_copy_else_recovers_by_request_id(tmp_path, inputs):
    studio, backend = make_studio(tmp_path)
    done = collect(studio, *inputs, "a", PRO, "", SessionSpend())[-1]
    local = asyncio.run(studio.reopen(done.run.entry(), ""))
    assert not local.recovered and local.video == done.video
    done.video.unlink()
    fetched = asyncio.run(studio.reopen(done.run.entry(), ""))
    assert fetched.recovered and backend.calls[-1] == ("recover", ("req-1", None))


def test_readiness_names_what_is_missing(tmp_path, inputs):
    studio, backend = make_studio(tmp_path)
    backend.server_key = None
    assert studio.missing(None, None, PRO, "") == [
        "a portrait image",
        "a voice clip",
        "a fal key (paste yours in “Your fal key”) or the Local preview model",
    ]
    assert studio.missing(*inputs, PRO, "visitor-key") == []
    assert studio.missing(*inputs, PREVIEW, "") == []
