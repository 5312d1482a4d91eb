"""Narrations longer than Kling's 60 s: cut at pauses, the parts run at fal at once, one video comes back."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import shutil
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from gradio_client import Client, handle_file

from components.backends.base import Finished, PartStatus, Progress
from components.config.settings import load_settings
from components.errors import (
    BudgetExceeded,
    KeyRejected,
    NetworkError,
    NotSaved,
    RemoteFailure,
    RemoteValidationError,
)
from components.events import Accepted, Done, Stopped, Working
from components.history.runs import Run, RunCache
from components.inputs.split import plan_cuts
from components.running.narration import how_to_retry
from components.spending.ledger import Ledger
from components.spending.pricing import estimate_parts
from components.studio import Studio
from components.web import wording
from tests.fakes.media import narration_wav, probe_seconds
from tests.helpers import PRO, UNLIMITED
from tests.test_studio import ANON, MemoryBackend, collect, make_studio

PHOTO = Path(__file__).resolve().parents[1] / "examples" / "astronaut.jpg"
RATE = 24000


@pytest.fixture(scope="module")
def narration(tmp_path_factory) -> Path:
    return narration_wav(tmp_path_factory.mktemp("narration") / "pitch.wav", 150.0)


def samples_of(path: Path) -> np.ndarray:
    with wave.open(str(path)) as source:
        return np.frombuffer(source.readframes(source.getnframes()), dtype="<i2")


def test_a_long_narration_is_cut_at_pauses_into_parts_kling_takes(narration):
    samples = samples_of(narration)
    parts = plan_cuts(samples, RATE, min_seconds=2, max_seconds=60)
    assert len(parts) == 3
    assert parts[0][0] == 0 and parts[-1][1] == len(samples)
    assert all(end == next_start for (_, end), (next_start, _) in zip(parts, parts[1:], strict=False))
    assert all(2 <= (end - start) / RATE <= 60 for start, end in parts)
    for _, cut in parts[:-1]:  # silent for 40 ms either side of every cut: never inside a syllable
        assert np.abs(samples[cut - 960 : cut + 960]).max() == 0


def test_a_cut_with_no_pause_nearby_still_keeps_every_part_within_the_limits():
    steady = (np.sin(np.arange(RATE * 125) * 0.05) * 10000).astype(np.int16)  # no pause anywhere
    parts = plan_cuts(steady, RATE, min_seconds=2, max_seconds=60)
    assert len(parts) == 3 and all(2 <= (end - start) / RATE <= 60 for start, end in parts)


def test_the_estimate_bills_each_part_and_its_numbers_add_up():
    quote = estimate_parts([49.8, 43.42, 56.78], 0.115)
    assert quote.billed_seconds == 50 + 44 + 57
    assert quote.describe() == "150.0 s in 3 parts, billed as 50 + 44 + 57 = 151 s × $0.115/s = $17.37"
    assert estimate_parts([49.8, 43.42, 56.78], 0).describe() == "150.0 s in 3 parts — Free"


def test_the_live_estimate_says_how_many_parts(client, narration):
    text = client.predict(handle_file(str(narration)), PRO, api_name="/estimate_cost")
    assert "150.0 s in 3 parts, billed as" in text and "Can't generate" not in text


def streams(video: str) -> list[dict]:
    command = ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name,codec_type,r_frame_rate", "-of", "json"]
    return json.loads(subprocess.run([*command, video], capture_output=True, check=True).stdout)["streams"]


def generate(client: Client, narration: Path) -> tuple[str, str, dict]:
    image, audio = handle_file(str(PHOTO)), handle_file(str(narration))
    return client.predict(image, audio, "Warm.", PRO, "", True, "", "", False, api_name="/generate")


def sent_audio_seconds(fal, job) -> float:
    return probe_seconds(fal.storage.path_of(job.arguments["audio_url"]))


def in_part_order(fal, request_ids: list[str]) -> list[str]:
    """The parts upload at once, so fal numbers them as they arrive; their files are named voice-partN."""
    return sorted(request_ids, key=lambda request_id: fal.jobs[request_id].arguments["audio_url"].rsplit("-part", 1)[1])


def test_a_150_second_narration_becomes_one_video_from_three_parts(client, fal, narration):
    video, status, record = generate(client, narration)
    record = json.loads(record)  # the run record is one JSON document
    jobs = list(fal.jobs.values())
    assert len(jobs) == 3 and all(sent_audio_seconds(fal, job) <= 60 for job in jobs)
    assert abs(sum(sent_audio_seconds(fal, job) for job in jobs) - 150) < 0.3
    assert abs(probe_seconds(video) - 150) <= 0.3
    kinds = {stream["codec_type"]: stream for stream in streams(video)}
    assert (kinds["video"]["codec_name"], kinds["audio"]["codec_name"]) == ("h264", "aac")
    assert len({stream["r_frame_rate"] for stream in streams(video) if stream["codec_type"] == "video"}) == 1
    assert record["parts"] == in_part_order(fal, [job.request_id for job in jobs])  # the run keeps every part's id
    assert "from 3 parts joined" in status and all(job.request_id in status for job in jobs)


def test_a_part_that_fal_fails_is_sent_again_alone(client, fal, narration):
    fal.faults["fail_job_number"] = 2
    video, status, record = generate(client, narration)
    record = json.loads(record)  # the run record is one JSON document
    jobs = list(fal.jobs.values())
    assert len(jobs) == 4  # three parts, and part 2 once more: parts 1 and 3 are not paid again
    failed, again = jobs[1], jobs[3]
    assert fal.storage.path_of(again.arguments["audio_url"]).read_bytes() == (
        fal.storage.path_of(failed.arguments["audio_url"]).read_bytes()
    )
    kept = [job.request_id for job in jobs if job is not failed]
    assert record["parts"] == in_part_order(fal, kept) and failed.request_id not in record["parts"]
    assert "sent again" not in status  # the retry is history once the video is in
    assert abs(probe_seconds(video) - 150) <= 0.3


# ---- the rules, against the in-memory backend of test_studio (no Gradio, no fal) ----------------


def test_stop_cancels_every_part_still_running_and_the_history_holds_every_part(tmp_path, narration):
    studio, backend = make_studio(tmp_path)
    backend.hold_at = "generating"

    async def press_stop() -> tuple[Stopped, list[Accepted]]:
        accepted = []
        started = studio.generate(str(PHOTO), str(narration), ".", PRO, "", ANON, session="tab-1")
        async for event in started:
            accepted += [event] if isinstance(event, Accepted) else []
            working = event.working if isinstance(event, Accepted) else event
            parts = working.progress.parts if isinstance(working, Working) else ()
            if len(parts) == 3 and all(part.stage == "generating" for part in parts):
                break
        outcome = await studio.stop("tab-1", "")
        await started.aclose()
        return outcome, accepted

    outcome, accepted = asyncio.run(press_stop())
    cancelled = sorted(args[0] for name, args in backend.calls if name == "cancel")
    assert cancelled == ["req-1", "req-2", "req-3"]
    assert outcome.stage == "generating" and outcome.request_id is not None
    assert sorted(accepted[-1].run.parts) == cancelled and accepted[-1].run.is_pending


def test_on_the_owners_key_a_narration_reserves_every_part_and_counts_as_the_visitors_job(tmp_path, narration):
    studio, backend = make_studio(tmp_path, max_jobs_per_visitor_at_once=1)
    backend.hold_at = "generating"

    async def two_jobs() -> str:
        first = studio.generate(str(PHOTO), str(narration), ".", PRO, "", ANON, session="tab-1")
        async for event in first:
            if isinstance(event, Accepted) and len(event.run.parts) == 3 and all(event.run.parts):
                break
        try:
            async for _event in studio.generate(str(PHOTO), str(narration), ".", PRO, "", ANON, new_take=True):
                pass
        except BudgetExceeded as refused:
            return str(refused)
        finally:
            await first.aclose()
        return "not refused"

    assert "at most 1 may run at once" in asyncio.run(two_jobs())
    assert studio.ledger.usage(ANON.id).visitor_running == 3


def test_the_per_video_cap_applies_to_the_whole_narration(tmp_path, narration):
    studio, backend = make_studio(tmp_path, max_seconds_per_request=60)
    with pytest.raises(BudgetExceeded, match=r"would use 151 s"):
        collect(studio, str(PHOTO), str(narration), ".", PRO, "", ANON)
    assert backend.calls == []


def test_the_status_line_shows_each_part():
    parts = (
        PartStatus(1, "done", "req-1"),
        PartStatus(2, "queued", "req-2", queue_position=1),
        PartStatus(3, "retrying"),
    )
    model = load_settings().model(PRO)
    working = Working(
        Progress("queued", request_id="req-1", parts=parts), model, estimate_parts([50, 50, 50], 0.115), 3
    )
    text = wording.describe_progress(working)
    assert "- Part 1 of 3: ✅ done · `req-1`" in text
    assert "- Part 2 of 3: queued at fal, position 2 · `req-2`" in text
    assert "- Part 3 of 3: failed once at fal — sent again (not charged twice)" in text
    assert "150.0 s in 3 parts" in text


@dataclass
class VideoBackend(MemoryBackend):
    """The in-memory backend, with a real (short) H.264 + AAC video per part, so parts can be joined."""

    clip: Path | None = None

    def _finished(self, request_id: str, seconds: float, price: float) -> Finished:
        video = self.output_dir / f"{request_id}.mp4"
        shutil.copyfile(self.clip, video)
        return Finished(video, seconds, seconds * price, request_id)


def test_a_narration_left_mid_way_is_followed_again_after_a_reload_and_after_a_restart(tmp_path, narration):
    clip = tmp_path / "clip.mp4"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=10:duration=2"]
        + ["-f", "lavfi", "-i", "sine=duration=2", "-c:v", "libx264", "-c:a", "aac", "-shortest", str(clip)],
        check=True,
    )
    settings = dataclasses.replace(load_settings(), budget=UNLIMITED)
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    backend = VideoBackend(tmp_path, hold_at="generating", clip=clip)

    def studio_on(tracker_backend: VideoBackend) -> Studio:
        return Studio(settings, {m.endpoint: tracker_backend for m in settings.models}, ledger, RunCache())

    async def leave_then_come_back(studio: Studio, release: bool) -> tuple[Run, list]:
        started = studio.generate(str(PHOTO), str(narration), ".", PRO, "", ANON, session="tab-1")
        async for event in started:
            if isinstance(event, Accepted) and len(event.run.parts) == 3 and all(event.run.parts):
                pending = event.run
                break
        await started.aclose()  # the page goes away; fal has every part
        if release:
            backend.gate.set()
        return pending, [event async for event in studio.resume(pending.entry(), "", ANON)]

    pending, events = asyncio.run(leave_then_come_back(studio_on(backend), release=True))
    done = events[-1]
    assert isinstance(done, Done) and done.run.parts == pending.parts and not done.run.is_pending
    assert abs(probe_seconds(str(done.video)) - 6.0) < 0.3  # three 2 s parts joined
    assert [name for name, _ in backend.calls].count("run") == 3  # nothing was sent again

    # A restart: a new Studio (new tracker) on the same ledger follows each part by its request id.
    restarted = VideoBackend(tmp_path, clip=clip)
    events = asyncio.run(_collect_resume(studio_on(restarted), pending))
    assert isinstance(events[-1], Done) and events[-1].run.parts == pending.parts
    assert sorted(args[0] for name, args in restarted.calls if name == "follow") == sorted(pending.parts)
    assert not [name for name, _ in restarted.calls if name == "run"]


async def _collect_resume(studio: Studio, pending: Run) -> list:
    return [event async for event in studio.resume(pending.entry(), "", ANON)]


@pytest.mark.parametrize(
    "error, how",
    [
        (RemoteFailure("fal failed to make the video (HTTP 500)", "req-2", refused_by_fal=True), "again"),
        (NotSaved("fal finished the video, but this server could not save it", "req-2"), "follow"),
        (NetworkError("The connection to fal broke while following the job", "req-2"), "follow"),
        (NetworkError("The connection broke while the job was being submitted", None), None),  # fal may have it
        (KeyRejected("fal rejected the key (HTTP 401)", None, refused_by_fal=True), None),
        (RemoteValidationError("fal refused the inputs: face_detection_error", "req-2", True), None),
    ],
)
def test_a_failed_part_is_sent_again_only_when_fal_failed_it_and_fetched_again_when_fal_has_it(error, how):
    assert how_to_retry(error) == how
