"""Inputs checked once: the estimate, the readiness line, Generate and Compare share one check per file.

Driven through the Studio core against the in-memory backend of test_studio.py, with every decode
counted: `audio.decode_voice` (each clip's one decode) and `image._load` (each portrait's pixels).
"""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
from pathlib import Path

import pytest
from gradio_client import handle_file

from components.config.settings import load_settings
from components.errors import InputRejected
from components.events import Done
from components.inputs import audio as audio_module
from components.inputs import image as image_module
from components.inputs.check_cache import CheckCache
from components.inputs.checked_inputs import CheckedInputs
from components.running.compare import check_comparison, compare
from tests.fakes.media import narration_wav, portrait, tone_wav
from tests.helpers import PRO, STANDARD
from tests.test_studio import ANON, make_studio


@pytest.fixture
def decodes(monkeypatch) -> dict[str, int]:
    counts = {"audio": 0, "image": 0}

    def counted(kind: str, decode):
        def wrapper(*args, **kwargs):
            counts[kind] += 1
            return decode(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(audio_module, "decode_voice", counted("audio", audio_module.decode_voice))
    monkeypatch.setattr(image_module, "_load", counted("image", image_module._load))
    return counts


def test_readiness_estimate_generate_and_compare_decode_each_file_once(tmp_path, decodes):
    studio, backend = make_studio(tmp_path)
    image, audio = str(portrait(tmp_path / "face.png")), str(tone_wav(tmp_path / "voice.wav", 4.0))

    async def everything() -> list:
        spending = studio.spending_check(ANON, PRO, "")
        assert await studio.preflight.problem(image, audio, "hello", PRO, False, spending) is None
        assert await studio.preflight.problem(image, audio, "hello", PRO, True, spending) is None  # ticked: no decode
        assert (await studio.preflight.estimate(audio, PRO)).problem is None
        generated = [event async for event in studio.generate(image, audio, "hello", PRO, "", ANON)]
        await check_comparison(studio, audio, [PRO, STANDARD], "", ANON)
        compared = [update async for update in compare(studio, image, audio, "other", [PRO, STANDARD], "", ANON, "t")]
        return [generated[-1], *(event for _, event in compared if isinstance(event, Done))]

    done = asyncio.run(everything())
    assert len(done) == 3 and all(isinstance(event, Done) for event in done)
    assert [name for name, _ in backend.calls] == ["run"] * 3
    assert decodes == {"audio": 1, "image": 1}

    tone_wav(Path(audio), 4.0, freq=330.0)  # the same file name, other content
    assert asyncio.run(studio.preflight.problem(image, audio, "hello", PRO)) is None
    assert decodes == {"audio": 2, "image": 1}
    portrait(Path(image), size=(520, 640))
    collect_all(studio.generate(image, audio, "hello", PRO, "", ANON))
    assert decodes == {"audio": 2, "image": 2}


def test_through_the_app_each_upload_of_the_same_content_is_checked_once(client, fal, tmp_path, decodes):
    """gradio_client uploads each file anew for every call: the content, not the path, finds the check."""
    image, audio = portrait(tmp_path / "mine.png", size=(530, 640)), tone_wav(tmp_path / "mine.wav", 4.0, freq=250.0)
    estimate = client.predict(handle_file(str(audio)), PRO, api_name="/estimate_cost")
    video, _, _ = client.predict(handle_file(str(image)), handle_file(str(audio)), ".", PRO, "", api_name="/generate")
    compared = client.predict(
        handle_file(str(image)), handle_file(str(audio)), "side by side", [PRO, STANDARD], "", api_name="/compare"
    )
    assert "4.0 s" in estimate and video.endswith(".mp4") and all(compared[i].endswith(".mp4") for i in (0, 2))
    assert len(fal.submits()) == 3 and decodes == {"audio": 1, "image": 1}


def test_a_comparison_alone_decodes_each_file_once_though_its_jobs_start_together(tmp_path, decodes):
    studio, backend = make_studio(tmp_path)
    image, audio = str(portrait(tmp_path / "face.png")), str(tone_wav(tmp_path / "voice.wav", 4.0))
    collect_all(compare(studio, image, audio, "", [PRO, STANDARD], "", ANON, "t"))
    assert [name for name, _ in backend.calls] == ["run", "run"] and decodes == {"audio": 1, "image": 1}


def test_a_narrations_estimate_is_the_check_generate_uses(tmp_path, decodes):
    studio, _ = make_studio(tmp_path)
    image, audio = str(portrait(tmp_path / "face.png")), str(narration_wav(tmp_path / "long.wav", 130.0))

    async def estimate_then_ready() -> tuple:
        quote = await studio.preflight.estimate(audio, PRO)
        total = await check_comparison(studio, audio, [PRO, STANDARD], "", ANON)
        problem = await studio.preflight.problem(image, audio, ".", PRO)
        return quote, total, problem

    quote, total, problem = asyncio.run(estimate_then_ready())
    assert problem is None and len(quote.estimate.parts) == 3 and total > quote.estimate.dollars
    assert decodes == {"audio": 1, "image": 1}


def test_other_limits_are_a_new_check_and_a_long_prompt_decodes_nothing(tmp_path, decodes):
    checked = CheckedInputs(asyncio.Semaphore(2))
    model = load_settings().model(PRO)
    image, audio = str(portrait(tmp_path / "face.png")), str(tone_wav(tmp_path / "voice.wav", 4.0))
    with pytest.raises(InputRejected, match="prompt is too long"):
        asyncio.run(checked.job(image, audio, "x" * 3000, model))
    assert decodes == {"audio": 0, "image": 0}
    asyncio.run(checked.job(image, audio, ".", model))
    stricter = dataclasses.replace(model.limits.audio, max_seconds=3.0, max_total_seconds=3.5)
    refused = asyncio.run(checked.voice(audio, stricter))
    assert "too long" in refused.refusal and decodes == {"audio": 1, "image": 1}  # refused from the header
    longer = dataclasses.replace(model.limits.audio, min_seconds=1.0)
    assert asyncio.run(checked.voice(audio, longer)).voice is not None and decodes["audio"] == 2


def test_a_jobs_files_are_its_own_and_the_cache_stays_within_its_bounds(tmp_path, decodes):
    checked = CheckedInputs(asyncio.Semaphore(2), max_entries=2)
    model = load_settings().model(PRO)
    image = str(portrait(tmp_path / "face.png"))
    voices = [str(narration_wav(tmp_path / f"v{seed}.wav", 70.0, seed=seed)) for seed in (1, 2)]
    job = asyncio.run(checked.job(image, voices[0], ".", model, workdir=tmp_path / "job"))
    assert len(job.voice_parts) == 2 and all(part.is_relative_to(tmp_path / "job") for part in job.voice_parts)
    assert job.image.is_relative_to(tmp_path / "job")
    shutil.rmtree(tmp_path / "job")  # the job ended: the checked files are still the cache's
    again = asyncio.run(checked.job(image, voices[0], ".", model, workdir=tmp_path / "again"))
    assert all(part.is_file() for part in again.voice_parts) and decodes == {"audio": 1, "image": 1}
    cached = asyncio.run(checked.voice(voices[0], model.limits.audio)).voice.parts[0].path
    asyncio.run(checked.voice(voices[1], model.limits.audio))  # a third entry: the oldest (the portrait) goes
    asyncio.run(checked.voice(voices[1], model.limits.audio))
    assert cached.is_file() and decodes == {"audio": 2, "image": 1}
    asyncio.run(checked.portrait(image, model.limits.image))  # back, and the first voice makes way for it
    assert not cached.exists() and all(part.is_file() for part in again.voice_parts)  # the job's links remain
    assert decodes == {"audio": 2, "image": 2}


def test_a_check_left_by_its_caller_is_run_by_another_and_a_failed_one_is_not_kept(tmp_path):
    made = []

    def check(folder: Path) -> str:
        made.append(folder)
        (folder / "out.txt").write_text("checked")
        return "value"

    async def scenario() -> None:
        slots = asyncio.Semaphore(1)
        cache = CheckCache(slots, max_entries=8, max_bytes=10**6)
        await slots.acquire()  # every decode slot taken: the first caller waits for one
        first = asyncio.create_task(cache.get("key", check))
        await asyncio.sleep(0.01)
        second = asyncio.create_task(cache.get("key", check, into=tmp_path / "job"))
        await asyncio.sleep(0.01)
        first.cancel()  # the page that asked first went away before its check started
        slots.release()
        found = await second
        assert found.value == "value" and (tmp_path / "job" / "out.txt").read_text() == "checked"
        assert len(made) == 1 and (await cache.get("key", check)).value == "value" and len(made) == 1

        def broken(folder: Path) -> str:
            made.append(folder)
            raise OSError("disk full")

        for _ in range(2):  # an error is not an answer: the next caller checks again
            with pytest.raises(OSError, match="disk full"):
                await asyncio.gather(cache.get("other", broken), cache.get("other", broken))
        assert len(made) == 3 and not made[-1].exists()
        shutil.rmtree(made[0].parent)  # a /tmp cleaner took the cache's folder: checks go on, files are made again
        assert (await cache.get("key", check, into=tmp_path / "later")).value == "value" and len(made) == 4
        assert (tmp_path / "later" / "out.txt").is_file() and made[-1].is_dir()

    asyncio.run(scenario())


def collect_all(stream) -> list:
    async def run() -> list:
        return [item async for item in stream]

    return asyncio.run(run())
