"""One payer, one identity, one end for every job's money — the core's rules against the in-memory backend."""

from __future__ import annotations

import asyncio
import time

import pytest

from components.errors import BudgetExceeded, InputRejected, JobTimedOut, NotSaved
from components.events import Accepted
from components.history.runs import Run
from components.speech.voices import Script
from components.spending.access import NOT_YOURS
from components.spending.identity import Visitor
from components.spending.ledger import Ledger
from components.spending.payer import Spend
from components.spending.pricing import estimate
from tests.fakes.media import portrait, tone_wav
from tests.helpers import PRO, STANDARD
from tests.test_studio import ANON, collect, make_studio

OTHER = Visitor("ip:198.51.100.8", signed_in=False)
ALICE = Visitor("hf:alice", signed_in=True)


@pytest.fixture
def inputs(tmp_path) -> tuple[str, str]:
    return str(portrait(tmp_path / "face.png")), str(tone_wav(tmp_path / "voice.wav", 4.0))


@pytest.mark.parametrize("error", [JobTimedOut("timed out", "req-1"), NotSaved("could not save", "req-1")])
def test_a_job_that_ends_without_a_video_stops_blocking_its_visitor_but_stays_counted(tmp_path, inputs, error):
    studio, backend = make_studio(tmp_path, max_jobs_per_visitor_at_once=1)
    backend.fail_with, backend.fail_at = error, "generating"
    with pytest.raises(type(error)):
        collect(studio, *inputs, "a", PRO, "", ANON)
    used = studio.ledger.usage(ANON.id)
    assert used.visitor_running == 0 and used.visitor_dollars == pytest.approx(estimate(4.0, 0.115).dollars)
    backend.fail_with = None
    assert collect(studio, *inputs, "b", PRO, "", ANON)[-1].run.request_id  # the next job is accepted


def test_a_row_left_by_a_killed_process_never_counts_as_running_and_recover_settles_it(tmp_path, inputs):
    studio, backend = make_studio(tmp_path)
    rows = studio.ledger.reserve(ANON.id, [(PRO, 0.46)], lambda used: None)
    studio.ledger.accepted(rows[0], "req-orphan")
    studio.ledger.sightings.seen("owner:" + ANON.id, ["req-orphan"])
    restarted = Ledger(tmp_path / "ledger.sqlite3")  # a new process on the same ledger
    assert restarted.usage(ANON.id).visitor_running == 0
    assert restarted.usage(ANON.id).visitor_dollars == pytest.approx(0.46)
    asyncio.run(studio.library.recover("req-orphan", PRO, studio.payer(ANON, "")))
    assert studio.ledger.usage(ANON.id).visitor_dollars == pytest.approx(4.0 * 0.115)  # what fal says it cost


def test_anonymous_visitors_share_one_allowance_so_new_addresses_cannot_take_the_day(tmp_path, inputs):
    studio, backend = make_studio(tmp_path, max_dollars_per_day_anonymous=1.0)
    collect(studio, *inputs, "a", PRO, "", ANON)  # $0.46
    collect(studio, *inputs, "b", PRO, "", OTHER)  # $0.92 together
    with pytest.raises(BudgetExceeded, match="Visitors who are not signed in share \\$1.00 a day"):
        collect(studio, *inputs, "c", PRO, "", Visitor("ip:192.0.2.77", signed_in=False))
    assert collect(studio, *inputs, "d", PRO, "", ALICE)[-1].run.request_id  # signed in: not that allowance
    assert len([call for call in backend.calls if call[0] == "run"]) == 3


def test_with_sign_in_required_a_typed_script_on_a_fal_voice_sends_nothing(tmp_path, inputs):
    studio, backend = make_studio(tmp_path, owner_key_requires_login=True)
    spoken = []
    object.__setattr__(backend, "speak", lambda *args: spoken.append(args))
    script = Script("Hello there, this is a test of the voice.", "fal-ai/kokoro/american-english:af_heart")
    with pytest.raises(InputRejected, match="for signed-in visitors"):
        collect(studio, inputs[0], None, ".", PRO, "", ANON, False, None, False, script)
    with pytest.raises(InputRejected, match="for signed-in visitors"):
        asyncio.run(studio.voices.speak(script.text, script.voice, studio.payer(ANON, ""), studio.settings.model(PRO)))
    assert spoken == [] and backend.calls == []
    assert studio.ledger.usage(ANON.id).app_dollars == 0


def test_a_comparison_is_reserved_whole_or_refused_whole(tmp_path, inputs):
    studio, backend = make_studio(tmp_path, max_dollars_per_visitor_per_day=0.6, max_jobs_per_visitor_at_once=5)
    payer = studio.payer(ALICE, "")
    spends = [Spend(PRO, True, estimate(4.0, 0.115)), Spend(STANDARD, True, estimate(4.0, 0.0562))]
    with pytest.raises(BudgetExceeded, match="Today you have used \\$0.00 of your \\$0.60"):
        payer.reserve(spends)  # $0.46 + $0.22: neither model is reserved
    assert studio.ledger.usage(ALICE.id).visitor_dollars == 0
    held = studio.payer(ALICE, "").reserve(spends[1:])
    assert studio.ledger.usage(ALICE.id).visitor_running == 1 and held[0][0] is not None


def test_resume_follows_only_what_this_app_showed_this_payer(tmp_path, inputs):
    studio, backend = make_studio(tmp_path)
    backend.hold_at = "generating"

    async def start() -> Run:
        async for event in studio.generate(*inputs, "a", PRO, "", ANON):
            if isinstance(event, Accepted):
                return event.run

    pending = asyncio.run(start())
    with pytest.raises(InputRejected, match=NOT_YOURS):
        asyncio.run(_resume(studio, pending, OTHER))  # another visitor with the same entry
    forged = Run.pending(
        studio.settings.model(PRO), pending.request_id, estimate(150.0, 0.115), (pending.request_id,) * 120
    )
    began = time.monotonic()
    with pytest.raises(InputRejected, match="damaged"):
        asyncio.run(_resume(studio, forged, ANON))
    assert time.monotonic() - began < 1.0 and [name for name, _ in backend.calls] == ["run"]


def test_reopen_serves_a_local_video_only_to_whom_it_was_shown(tmp_path, inputs):
    studio, backend = make_studio(tmp_path)
    done = collect(studio, *inputs, "a", PRO, "", ANON)[-1]
    assert not asyncio.run(studio.library.reopen(done.run.entry(), studio.payer(ANON, ""))).recovered
    someone_elses = dict(done.run.entry(), request_id="req-99", video=done.video.name)
    with pytest.raises(InputRejected, match="only jobs this app ran for you"):
        asyncio.run(studio.library.reopen(someone_elses, studio.payer(OTHER, "")))
    with pytest.raises(InputRejected, match="only jobs this app ran for you"):
        asyncio.run(studio.library.reopen(done.run.entry(), studio.payer(OTHER, "")))


async def _resume(studio, run: Run, visitor: Visitor) -> list:
    return [event async for event in studio.resume(run.entry(), "", visitor)]
