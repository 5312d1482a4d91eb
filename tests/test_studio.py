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
from components.config.settings import load_settings
from components.errors import BudgetExceeded, InputRejected, NetworkError, RemoteFailure
from components.events import Accepted, Checking, Done, Reused, Stopped, Working
from components.history.runs import Run, RunCache
from components.inputs.jobs import Job
from components.spending.identity import Visitor
from components.spending.ledger import Ledger
from components.spending.pricing import estimate
from components.studio import Studio
from tests.fakes.media import portrait, tone_wav
from tests.helpers import PREVIEW, PRO, UNLIMITED


@dataclass
class MemoryBackend:
    """Follows the `Backend` interface; records what it was asked to do."""

    output_dir: Path
    paid: bool = True
    recoverable: bool = True
    server_key: str | None = "owner"
    fail_with: Exception | None = None
    fail_at: str = "generating"  # the stage at which `fail_with` is raised
    hold_at: str | None = None  # the stage at which the job waits for `gate`
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    calls: list[tuple[str, Any]] = field(default_factory=list)

    def has_key(self, visitor_key: str | None) -> bool:
        return bool(visitor_key or self.server_key)

    async def run(self, job: Job, visitor_key: str | None) -> AsyncIterator[Progress | Finished]:
        self.calls.append(("run", visitor_key))
        request_id = f"req-{len(self.calls)}"
        for stage in ("uploading", "submitting", "queued", "generating"):
            yield Progress(stage, request_id=request_id if stage in ("queued", "generating") else None)
            if self.fail_with is not None and self.fail_at == stage:
                raise self.fail_with
            if self.hold_at == stage:
                await self.gate.wait()
        yield self._finished(request_id, job.estimate.seconds, job.model.price_per_second)

    async def follow(
        self, endpoint: str, request_id: str, visitor_key: str | None, price: float
    ) -> AsyncIterator[Progress | Finished]:
        self.calls.append(("follow", (request_id, visitor_key)))
        yield Progress("generating", request_id=request_id)
        yield self._finished(request_id, 4.0, price)

    async def cancel(self, endpoint: str, request_id: str, visitor_key: str | None) -> None:
        self.calls.append(("cancel", (request_id, visitor_key)))

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


ANON = Visitor("ip:203.0.113.7", signed_in=False)


def make_studio(tmp_path: Path, allow_keys: bool = True, **caps: Any) -> tuple[Studio, MemoryBackend]:
    settings = load_settings()
    budget = dataclasses.replace(UNLIMITED, **caps)
    settings = dataclasses.replace(settings, allow_visitor_keys=allow_keys, budget=budget)
    paid = MemoryBackend(tmp_path)
    free = MemoryBackend(tmp_path, paid=False, recoverable=False)
    backends = {m.endpoint: free if m.endpoint == PREVIEW else paid for m in settings.models}
    return Studio(settings, backends, Ledger(tmp_path / "ledger.sqlite3"), RunCache()), paid


def collect(studio: Studio, *args: Any) -> list[Any]:
    async def run() -> list[Any]:
        return [event async for event in studio.generate(*args)]

    return asyncio.run(run())


def test_a_job_streams_checking_then_progress_then_done(tmp_path, inputs):
    studio, backend = make_studio(tmp_path)
    events = collect(studio, *inputs, "hello", PRO, "", ANON)
    assert [type(e) for e in events] == [Checking, Working, Working, Accepted, Working, Done]
    assert [e.progress.stage for e in events if isinstance(e, Working)] == ["uploading", "submitting", "generating"]
    accepted = events[3]
    assert (
        accepted.run.is_pending and accepted.run.request_id == "req-1" and accepted.working.progress.stage == "queued"
    )
    assert events[-1].run.request_id == "req-1" and events[-1].video.is_file()


def test_the_key_policy_strips_a_key_and_refuses_one_when_the_owner_says_so(tmp_path, inputs):
    studio, backend = make_studio(tmp_path)
    collect(studio, *inputs, "a", PRO, "  visitor-key \n", ANON)
    assert backend.calls == [("run", "visitor-key")]
    closed, closed_backend = make_studio(tmp_path, allow_keys=False)
    for attempt in (
        lambda: collect(closed, *inputs, "a", PRO, "visitor-key", ANON),
        lambda: asyncio.run(closed.library.recover("req-7", PRO, closed.payer(ANON, "visitor-key"))),
    ):
        with pytest.raises(InputRejected, match="does not accept visitors' fal keys"):
            attempt()
    assert closed_backend.calls == []


def test_owner_key_jobs_reserve_then_settle_and_only_jobs_that_never_reached_fal_are_released(tmp_path, inputs):
    studio, backend = make_studio(tmp_path)
    collect(studio, *inputs, "first", PRO, "", ANON)
    assert studio.ledger.usage(ANON.id).visitor_dollars == pytest.approx(4.0 * 0.115)  # settled from the duration
    for stage, error, kept in (
        ("uploading", NetworkError("upload failed"), False),  # never reached fal
        ("submitting", RemoteFailure("refused", refused_by_fal=True), False),  # fal answered with an error
        ("submitting", NetworkError("cut after sending"), True),  # fal may have it
        ("generating", RemoteFailure("fal failed", "req-x"), True),  # accepted: fal may bill it
    ):
        before = studio.ledger.usage(ANON.id).visitor_dollars
        backend.fail_with, backend.fail_at = error, stage
        with pytest.raises(type(error)):
            collect(studio, *inputs, f"{stage}-{kept}", PRO, "", ANON)
        added = studio.ledger.usage(ANON.id).visitor_dollars - before
        assert added == pytest.approx(4 * 0.115 if kept else 0.0), (stage, error)
    backend.fail_with = None
    before = studio.ledger.usage(ANON.id)
    collect(studio, *inputs, "third", PRO, "visitor-key", ANON)
    assert studio.ledger.usage(ANON.id) == before  # a visitor's own key is never counted


def test_caps_are_refused_before_the_backend_runs_and_name_the_cap(tmp_path, inputs):
    studio, backend = make_studio(tmp_path, max_dollars_per_visitor_per_day=0.4)
    with pytest.raises(BudgetExceeded, match=r"Today you have used \$0\.00 of your \$0\.40 a day.*resets at 00:00 UTC"):
        collect(studio, *inputs, "a", PRO, "", ANON)
    assert backend.calls == [] and studio.ledger.usage(ANON.id).visitor_dollars == 0
    collect(studio, *inputs, "a", PRO, "my-own-key", ANON)  # the visitor's own key is never limited
    assert backend.calls == [("run", "my-own-key")]


def test_the_app_wide_daily_cap_counts_every_visitor(tmp_path, inputs):
    studio, backend = make_studio(tmp_path, max_dollars_per_day=0.9)
    collect(studio, *inputs, "a", PRO, "", ANON)
    other = Visitor("ip:198.51.100.1", signed_in=False)
    with pytest.raises(BudgetExceeded, match=r"daily budget: \$0\.46 of \$0\.90 used by all visitors"):
        collect(studio, *inputs, "b", PRO, "", other)


def test_a_visitor_runs_at_most_the_allowed_jobs_at_once(tmp_path, inputs):
    studio, backend = make_studio(tmp_path, max_jobs_per_visitor_at_once=1)
    backend.hold_at = "queued"

    async def two_at_once() -> list[Any]:
        first = studio.generate(*inputs, "a", PRO, "", ANON)
        async for event in first:
            if isinstance(event, Accepted):
                break  # the first job is running at fal
        try:
            return [event async for event in studio.generate(*inputs, "b", PRO, "", ANON)]
        finally:
            await first.aclose()

    with pytest.raises(BudgetExceeded, match="at most 1 may run at once"):
        asyncio.run(two_at_once())


def test_login_can_be_required_for_the_owners_key(tmp_path, inputs):
    studio, backend = make_studio(tmp_path, owner_key_requires_login=True)
    with pytest.raises(InputRejected, match="for signed-in visitors"):
        collect(studio, *inputs, "a", PRO, "", ANON)
    signed_in = Visitor("hf:alice", signed_in=True)
    assert isinstance(collect(studio, *inputs, "a", PRO, "", signed_in)[-1], Done)


def test_identical_inputs_are_reused_only_for_the_same_payer_and_a_new_take_pays_again(tmp_path, inputs):
    studio, backend = make_studio(tmp_path)
    first = collect(studio, *inputs, "same", PRO, "", ANON)[-1]
    again = collect(studio, *inputs, "same", PRO, "", ANON)
    assert isinstance(again[-1], Reused) and again[-1].run == first.run
    assert not isinstance(collect(studio, *inputs, "same", PRO, "", Visitor("ip:198.51.100.2", False))[-1], Reused)
    assert not isinstance(collect(studio, *inputs, "same", PRO, "their-key", ANON)[-1], Reused)
    assert not isinstance(collect(studio, *inputs, "same", PRO, "", ANON, True)[-1], Reused)  # new take
    collect(studio, *inputs, "different", PRO, "", ANON)
    assert [name for name, _ in backend.calls] == ["run"] * 5


def test_free_renders_are_made_again(tmp_path, inputs):
    studio, _ = make_studio(tmp_path)
    free = studio.backends[PREVIEW]
    collect(studio, *inputs, "same", PREVIEW, "", ANON)
    assert not isinstance(collect(studio, *inputs, "same", PREVIEW, "", ANON)[-1], Reused)
    assert len(free.calls) == 2


def test_recover_asks_the_backend_with_the_visitors_key_and_checks_the_id(tmp_path):
    studio, backend = make_studio(tmp_path)
    found = asyncio.run(studio.library.recover(" req-42 ", PRO, studio.payer(ANON, " mine ")))
    assert backend.calls == [("recover", ("req-42", "mine"))] and found.recovered
    with pytest.raises(InputRejected, match="request id"):
        asyncio.run(studio.library.recover("../etc/passwd", PRO, studio.payer(ANON, "")))


def test_recover_on_the_owners_key_only_for_jobs_in_the_ledger(tmp_path, inputs):
    studio, backend = make_studio(tmp_path)
    with pytest.raises(InputRejected, match="only jobs this app ran for you can be recovered"):
        asyncio.run(studio.library.recover("req-someone-elses", PRO, studio.payer(ANON, "")))
    assert backend.calls == []
    done = collect(studio, *inputs, "a", PRO, "", ANON)[-1]
    assert asyncio.run(studio.library.recover(done.run.request_id, PRO, studio.payer(ANON, ""))).recovered


def test_reopen_uses_the_local_copy_else_recovers_by_request_id(tmp_path, inputs):
    studio, backend = make_studio(tmp_path)
    done = collect(studio, *inputs, "a", PRO, "", ANON)[-1]
    local = asyncio.run(studio.library.reopen(done.run.entry(), studio.payer(ANON, "")))
    assert not local.recovered and local.video == done.video
    done.video.unlink()
    fetched = asyncio.run(studio.library.reopen(done.run.entry(), studio.payer(ANON, "")))
    assert fetched.recovered and backend.calls[-1] == ("recover", ("req-1", None))


def test_readiness_names_what_is_missing(tmp_path, inputs):
    studio, backend = make_studio(tmp_path)
    backend.server_key = None
    assert studio.preflight.missing(None, None, PRO, "") == [
        "a portrait image",
        "a voice clip",
        "a fal key (paste yours in “Your fal key”) or the Local preview model",
    ]
    assert studio.preflight.missing(*inputs, PRO, "visitor-key") == []
    assert studio.preflight.missing(*inputs, PREVIEW, "") == []


def test_a_page_that_leaves_after_fal_accepted_never_cancels_and_the_video_is_still_made(tmp_path, inputs):
    studio, backend = make_studio(tmp_path)
    backend.hold_at = "queued"

    async def leave_then_come_back() -> list[Any]:
        started = studio.generate(*inputs, "a", PRO, "", ANON, session="tab-1")
        async for event in started:
            if isinstance(event, Accepted):
                pending = event.run
                break
        await started.aclose()  # the tab is closed
        backend.gate.set()
        return [event async for event in studio.resume(pending.entry(), "", ANON)]  # the visitor comes back

    events = asyncio.run(leave_then_come_back())
    assert isinstance(events[-1], Done) and events[-1].video.is_file()
    assert [name for name, _ in backend.calls] == ["run"]  # no cancel, no second submit
    assert studio.ledger.usage(ANON.id).visitor_dollars == pytest.approx(4.0 * 0.115)  # settled


def test_a_page_that_leaves_before_fal_has_the_job_stops_it_and_pays_nothing(tmp_path, inputs):
    studio, backend = make_studio(tmp_path)
    backend.hold_at = "uploading"

    async def leave_while_uploading() -> None:
        started = studio.generate(*inputs, "a", PRO, "", ANON, session="tab-1")
        async for event in started:
            if isinstance(event, Working) and event.progress.stage == "uploading":
                break
        await started.aclose()
        await asyncio.sleep(0.05)

    asyncio.run(leave_while_uploading())
    assert studio.ledger.usage(ANON.id) == studio.ledger.usage("nobody")  # released: nothing counted
    assert studio.tracker.of_session("tab-1").finished


@pytest.mark.parametrize("stage", ["uploading", "queued", "generating"])
def test_stop_says_what_it_did_at_each_stage(tmp_path, inputs, stage):
    studio, backend = make_studio(tmp_path)
    backend.hold_at = stage

    async def press_stop() -> tuple[Stopped, list[Any]]:
        events = []
        started = studio.generate(*inputs, "a", PRO, " my-key ", ANON, session="tab-1")
        async for event in started:
            events.append(event)
            progress = getattr(event, "working", event)
            if getattr(getattr(progress, "progress", None), "stage", None) == stage:
                break
        outcome = await studio.stop("tab-1", " my-key ")
        events += [event async for event in started]
        return outcome, events

    outcome, events = asyncio.run(press_stop())
    assert outcome.stage == stage and events[-1] == outcome  # the job's own stream ends with the same outcome
    cancels = [args for name, args in backend.calls if name == "cancel"]
    if stage == "uploading":
        assert outcome.request_id is None and cancels == []  # nothing at fal to cancel
    else:
        assert cancels == [(outcome.request_id, "my-key")]


def test_after_a_restart_the_app_follows_its_own_accepted_jobs(tmp_path, inputs):
    studio, backend = make_studio(tmp_path)
    backend.hold_at = "generating"

    async def crash_mid_job() -> str:
        async for event in studio.generate(*inputs, "a", PRO, "", ANON):
            if isinstance(event, Accepted):
                return event.run.request_id

    request_id = asyncio.run(crash_mid_job())  # the loop ends: the app is gone, the job still runs at fal
    restarted, backend_after = make_studio(tmp_path)

    async def come_back() -> list[Any]:
        assert restarted.resume_owner_jobs() == 1
        pending = Run.pending(restarted.settings.model(PRO), request_id, estimate(4.0, 0.115))
        return [event async for event in restarted.resume(pending.entry(), "", ANON)]

    events = asyncio.run(come_back())
    assert isinstance(events[-1], Done) and backend_after.calls == [("follow", (request_id, None))]
    assert restarted.ledger.usage(ANON.id).visitor_dollars == pytest.approx(4.0 * 0.115)


def test_ready_means_generate_would_pass_the_owners_caps_too(tmp_path, inputs):
    studio, backend = make_studio(tmp_path, max_dollars_per_visitor_per_day=0.1)

    def problem(raw_key: str, visitor: Visitor = ANON) -> str | None:
        spending = studio.spending_check(visitor, PRO, raw_key)
        return asyncio.run(studio.preflight.problem(*inputs, ".", PRO, True, spending))

    assert "Today you have used $0.00 of your $0.10 a day" in problem("")
    assert problem("visitor-key") is None  # a visitor's own key is never limited
    with pytest.raises(BudgetExceeded, match="Today you have used"):
        collect(studio, *inputs, ".", PRO, "", ANON, False, None, True)  # Generate says the same
    assert backend.calls == []
    (tmp_path / "strict").mkdir()
    strict, _ = make_studio(tmp_path / "strict", owner_key_requires_login=True)
    spending = strict.spending_check(ANON, PRO, "")
    assert "for signed-in visitors" in asyncio.run(strict.preflight.problem(*inputs, ".", PRO, True, spending))
