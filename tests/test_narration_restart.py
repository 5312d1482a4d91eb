"""A narration is one thing everywhere: in the ledger, after a restart, and to Recover.

The ledger ties each part's row to its narration, so a restarted server follows the parts together
and joins them, and `/recover` with the narration's id or any part's id returns the whole video,
labelled and priced with the model the ledger holds — not the one the page's dropdown shows.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import signal
import sqlite3
import subprocess
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from gradio_client import Client, handle_file

from components.backends.base import Finished, Progress
from components.config.settings import load_settings
from components.errors import RemoteFailure
from components.events import Accepted, Done
from components.history.runs import Run, RunCache
from components.inputs.jobs import Job
from components.running.job_runner import Made
from components.spending.ledger import Ledger
from components.spending.narration_ledger import NarrationLedger
from components.studio import Studio
from tests.fakes.media import narration_wav, probe_seconds
from tests.helpers import PRO, STANDARD, UNLIMITED
from tests.test_durable import _app_process, _free_port
from tests.test_narration import PHOTO, VideoBackend
from tests.test_studio import ANON, collect, make_studio

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = load_settings()
PRO_LABEL, PRO_PRICE = SETTINGS.model(PRO).label, SETTINGS.model(PRO).price_per_second


@pytest.fixture(scope="module")
def narration(tmp_path_factory) -> Path:
    return narration_wav(tmp_path_factory.mktemp("narration") / "pitch.wav", 150.0)


@pytest.fixture
def clip(tmp_path) -> Path:
    """A 2 s H.264 + AAC video: what the in-memory backend returns for each part."""
    video = tmp_path / "clip.mp4"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=10:duration=2"]
        + ["-f", "lavfi", "-i", "sine=duration=2", "-c:v", "libx264", "-c:a", "aac", "-shortest", str(video)],
        check=True,
    )
    return video


def test_a_ledger_from_before_narrations_still_opens_and_gains_the_columns(tmp_path):
    path = tmp_path / "ledger.sqlite3"
    with sqlite3.connect(path) as db:  # the table as the first release made it, with one settled job
        db.execute(
            "CREATE TABLE jobs (id INTEGER PRIMARY KEY, visitor TEXT NOT NULL, endpoint TEXT NOT NULL, "
            "estimate_dollars REAL NOT NULL, reserved_at REAL NOT NULL, day TEXT NOT NULL, state TEXT NOT NULL, "
            "request_id TEXT, actual_seconds REAL, actual_dollars REAL)"
        )
        db.execute(
            "INSERT INTO jobs VALUES (1, 'ip:1', ?, 1.0, ?, date('now'), 'settled', 'req-old', 8.0, 0.92)",
            (PRO, time.time()),
        )
    db.close()
    ledger = Ledger(path)
    Ledger(path)  # opened again: nothing is added twice
    assert ledger.usage("ip:1").visitor_dollars == pytest.approx(0.92) and ledger.endpoint_of("req-old") == PRO
    assert NarrationLedger(ledger).of_request("req-old") is None  # a single job is no narration


def _leave_mid_narration(studio: Studio, narration: Path) -> Run:
    """Generate, wait until fal has accepted every part, then let the app die (the loop ends with the parts open)."""

    async def leave() -> Run:
        started = studio.generate(str(PHOTO), str(narration), ".", PRO, "", ANON, session="tab-1")
        async for event in started:
            if isinstance(event, Accepted) and len(event.run.parts) == 3 and all(event.run.parts):
                await started.aclose()
                return event.run
        raise AssertionError("the parts were never accepted")

    return asyncio.run(leave())


def test_a_restarted_server_joins_a_narrations_parts_and_recover_by_any_part_returns_the_whole(
    tmp_path, narration, clip
):
    settings = dataclasses.replace(SETTINGS, budget=UNLIMITED)
    ledger = Ledger(tmp_path / "ledger.sqlite3")

    def studio_on(backend: VideoBackend) -> Studio:
        return Studio(settings, {m.endpoint: backend for m in settings.models}, ledger, RunCache())

    pending = _leave_mid_narration(studio_on(VideoBackend(tmp_path, hold_at="generating", clip=clip)), narration)
    record = NarrationLedger(ledger).of_request(pending.parts[1])
    assert record is not None and (record.narration_id, record.parts) == (pending.request_id, pending.parts)
    assert len(record.lengths) == 3 and sum(record.lengths) == pytest.approx(150, abs=0.3)

    restarted = VideoBackend(tmp_path, clip=clip)
    studio = studio_on(restarted)

    async def restart_then_visit() -> tuple[Made, list]:
        studio.resume_owner_jobs()
        joined = studio.tracker.of_narration(pending.parts[2])
        assert joined is not None  # the parts are followed together, as one narration
        await joined.task
        page = [event async for event in studio.resume(pending.entry(), "", ANON)]  # the visitor's page comes back
        return joined.events[-1], page

    made, page = asyncio.run(restart_then_visit())
    follows = sorted(args[0] for name, args in restarted.calls if name == "follow")
    assert follows == sorted(pending.parts)  # each part followed once, never re-sent
    assert made.video.name == f"narration-{pending.request_id}.mp4" and made.run.parts == pending.parts
    assert isinstance(page[-1], Done) and page[-1].video == made.video
    assert abs(probe_seconds(str(made.video)) - 6.0) < 0.3  # three 2 s parts joined

    for asked in (pending.parts[1], pending.request_id):  # any part's id, or the narration's own
        found = asyncio.run(
            studio.library.recover(asked, STANDARD, studio.payer(ANON, ""))
        )  # the dropdown moved on to Standard
        assert found.video == made.video and found.run.parts == pending.parts
        assert (found.run.endpoint, found.run.model, found.run.request_id) == (PRO, PRO_LABEL, pending.request_id)
        assert found.run.cost == pytest.approx(3 * 4.0 * PRO_PRICE) and found.run.seconds == pytest.approx(12.0)
    assert not [name for name, _ in restarted.calls if name == "recover"]  # the joined video was still here

    made.video.unlink()  # swept from the disk: the parts are fetched again from fal (free) and joined
    found = asyncio.run(studio.library.recover(pending.parts[0], STANDARD, studio.payer(ANON, "")))
    assert sorted(args[0] for name, args in restarted.calls if name == "recover") == sorted(pending.parts)
    assert abs(probe_seconds(str(found.video)) - 6.0) < 0.3 and found.run.model == PRO_LABEL


@dataclass
class SecondPartFailsOnce(VideoBackend):
    """fal takes the second part, then fails it (not charged): the narration sends that part again."""

    async def run(self, job: Job, visitor_key: str | None) -> AsyncIterator[Progress | Finished]:
        failing = len(self.calls) == 1
        async for event in super().run(job, visitor_key):
            yield event
            if failing and isinstance(event, Progress) and event.stage == "generating":
                raise RemoteFailure("fal failed to make the video (HTTP 500)", event.request_id, refused_by_fal=True)


def test_a_part_sent_again_takes_the_failed_parts_place_in_the_ledgers_narration(tmp_path, narration, clip):
    studio, _ = make_studio(tmp_path)
    backend = SecondPartFailsOnce(tmp_path, clip=clip)
    studio = dataclasses.replace(studio, backends=dict.fromkeys(studio.backends, backend))
    done = collect(studio, str(PHOTO), str(narration), ".", PRO, "", ANON)[-1]
    assert isinstance(done, Done) and done.run.parts == ("req-1", "req-4", "req-3")
    record = NarrationLedger(studio.ledger).of_request("req-2")  # the failed part's id still names the narration
    assert record is not None and record.parts == done.run.parts and record.settled
    found = asyncio.run(studio.library.recover("req-2", STANDARD, studio.payer(ANON, "")))
    assert found.video == done.video and found.run.cost == pytest.approx(done.run.cost)


def test_recover_of_a_job_in_the_ledger_names_and_prices_the_model_that_ran_it(tmp_path):
    studio, backend = make_studio(tmp_path)
    voice = tmp_path / "voice.wav"
    narration_wav(voice, 4.0)
    done = collect(studio, str(PHOTO), str(voice), ".", PRO, "", ANON)[-1]
    found = asyncio.run(studio.library.recover(done.run.request_id, STANDARD, studio.payer(ANON, "")))
    assert (found.run.endpoint, found.run.model) == (PRO, PRO_LABEL)
    assert found.run.cost == pytest.approx(4.0 * PRO_PRICE) and not found.run.parts
    assert backend.calls[-1] == ("recover", (done.run.request_id, None))


# ---- end to end: `python app.py` on the fake fal, SIGKILLed mid-narration and started again -----------


def _settings_file(folder: Path) -> Path:
    """space.yaml with the owner's key open to a 150 s narration and a quick poll."""
    settings = yaml.safe_load((ROOT / "space.yaml").read_text())
    settings["budget"].update(max_seconds_per_request=300, max_dollars_per_request=100, max_jobs_per_visitor_at_once=50)
    settings["budget"].update(max_dollars_per_visitor_per_day=1e6, max_dollars_per_day=1e6)
    settings["jobs"].update(poll_interval_seconds=0.1, max_concurrent_owner=50)
    path = folder / "space.yaml"
    path.write_text(yaml.safe_dump(settings))
    return path


def _accepted_parts(ledger: Path, count: int, seconds: float) -> tuple[str, list[str]]:
    """The narration's id and its parts' request ids, read from the ledger once fal has accepted every part."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ledger.is_file():
            with sqlite3.connect(ledger) as db:
                rows = db.execute(
                    "SELECT request_id, narration FROM jobs WHERE narration_row IS NOT NULL ORDER BY part"
                ).fetchall()
            db.close()
            if len(rows) == count and all(rid for rid, _ in rows) and all(name for _, name in rows):
                return rows[0][1], [rid for rid, _ in rows]
        time.sleep(0.1)
    raise AssertionError("fal never accepted every part")


def _wait_for(path_glob: Path, seconds: float) -> Path:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = sorted(path_glob.parent.glob(path_glob.name))
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"{path_glob} never appeared")


def test_a_killed_app_restarted_joins_the_narration_and_recover_by_a_part_returns_it(
    fake_fal, fal, narration, tmp_path
):
    fal.queue_seconds, fal.run_seconds = 0.5, 8.0  # the parts are still at fal when the app dies
    port, data, scratch = _free_port(), tmp_path / "data", tmp_path / "tmp"
    scratch.mkdir()
    env = {"KLING_STUDIO_SETTINGS": str(_settings_file(tmp_path)), "TMPDIR": str(scratch)}
    url = f"http://127.0.0.1:{port}/"
    with _app_process(fake_fal.base_url, port, data, env) as first:
        image, audio = handle_file(str(PHOTO)), handle_file(str(narration))
        Client(url, verbose=False).submit(image, audio, "Warm.", PRO, "", True, "", "", False, api_name="/generate")
        narration_id, parts = _accepted_parts(data / "ledger.sqlite3", 3, seconds=60)
        first.send_signal(signal.SIGKILL)
        first.wait()
    with _app_process(fake_fal.base_url, port, data, env):
        videos = scratch / "kling-avatar-studio" / "videos"
        joined = _wait_for(videos / f"narration-{narration_id}.mp4", seconds=90)  # the server joined it alone
        other_part = next(part for part in parts if part != narration_id)
        video, status, record = Client(url, verbose=False).predict(other_part, STANDARD, "", api_name="/recover")
        record = json.loads(record)  # the run record is one JSON document
    with sqlite3.connect(data / "ledger.sqlite3") as db:
        settled = db.execute("SELECT SUM(actual_dollars) FROM jobs WHERE state = 'settled'").fetchone()[0]
    db.close()
    assert abs(probe_seconds(video) - 150) <= 0.3 and abs(probe_seconds(str(joined)) - 150) <= 0.3
    assert (record["model"], record["request_id"], record["parts"]) == (PRO_LABEL, narration_id, parts)
    assert record["cost"] == pytest.approx(settled, abs=0.005) and settled == pytest.approx(150 * PRO_PRICE, abs=0.2)
    assert record["seconds"] == pytest.approx(150, abs=0.3)  # what fal made of the parts, as the ledger settled
    assert f"{PRO_LABEL} · {record['seconds']:.1f} s" in status
    assert len(fal.submits()) == 3 and fal.cancels() == []  # nothing sent again, nothing cancelled
