"""Save before paying: a voice's long silences trimmed before Generate, the saving by the one pricing rule.

The voice: espeak-ng speech with a 3 s lead-in and a 2 s pause, put together with pydub. The rule
(components/inputs/silences.py): the lead-in keeps 0.25 s before the speech, the 2 s pause becomes a
natural 0.6 s, a tail up to 0.25 s stays; so the trimmed clip is (3 − 0.25) + (2 − 0.6) = 4.15 s shorter,
give or take the speech's edges falling between two of the 20 ms frames the pause detection reads.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
import re
import subprocess
import time
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from gradio_client import handle_file
from pydub import AudioSegment

from components.config.settings import Storage
from components.history.runs import RunCache
from components.history.storage import DiskBudget
from components.inputs import trimming
from components.inputs.silences import MARGIN_SECONDS, NATURAL_PAUSE_SECONDS, plan_silences
from components.inputs.trimming import NOTHING_TO_TRIM, Trimming
from components.posting.cues import speech_spans
from components.spending.free_work import FreeWork, FreeWorkLimited
from components.spending.ledger import Ledger
from components.spending.pricing import HEADER_SLACK_SECONDS, estimate, format_dollars, format_saving
from components.studio import Studio
from tests.fakes.media import probe_seconds
from tests.helpers import PRO
from tests.speech_fixtures import needs_espeak
from tests.test_studio import ANON, make_studio

RATE = 24000
LEAD_IN, PAUSE = 3.0, 2.0
REMOVED = (LEAD_IN - MARGIN_SECONDS) + (PAUSE - NATURAL_PAUSE_SECONDS)  # 4.15 s
FRAMES = 0.05  # the speech's edges fall on the detector's 20 ms frames: two of them, and a little
PRO_PRICE = 0.115


def _spoken(folder: Path, name: str, text: str) -> AudioSegment:
    """espeak-ng's voice at 24 kHz, from its first to its last stretch of speech (its own quiet edges cut)."""
    wav = folder / f"{name}.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(wav), text], check=True)
    voice = AudioSegment.from_wav(wav).set_frame_rate(RATE).set_channels(1)
    spans = speech_spans(np.frombuffer(voice.raw_data, dtype=np.int16), RATE)
    return voice.get_sample_slice(round(spans[0][0] * RATE), round(spans[-1][1] * RATE))


def _billed(seconds: float) -> int:
    return math.ceil(seconds - HEADER_SLACK_SECONDS)


@dataclasses.dataclass(frozen=True)
class Voice:
    path: Path
    seconds: float  # as recorded
    trimmed: float  # by the rule, within FRAMES


def voice_with_silences(folder: Path) -> Voice:
    """3 s of silence, a sentence, a 2 s pause, another sentence, and a tail shorter than the kept margin,
    chosen so the trimmed length is clear of a whole-second boundary (its billed seconds are then certain)."""
    first = _spoken(folder, "first", "Hello! I am a talking avatar.")
    second = _spoken(folder, "second", "And this is what I sound like after a long pause.")
    speech = (len(first.raw_data) + len(second.raw_data)) / 2 / RATE
    tail = next(t for t in (0.0, 0.1, 0.2) if _clear(MARGIN_SECONDS + speech + NATURAL_PAUSE_SECONDS + t))
    silent = [AudioSegment.silent(round(s * 1000), frame_rate=RATE) for s in (LEAD_IN, PAUSE, tail)]
    voice = silent[0] + first + silent[1] + second + silent[2]
    path = folder / "voice-with-silences.wav"
    voice.export(path, format="wav")
    seconds = len(voice.raw_data) / 2 / RATE
    return Voice(path, seconds, seconds - REMOVED)


def _clear(seconds: float) -> bool:
    """At least FRAMES away from where the billed seconds change."""
    edge = seconds - HEADER_SLACK_SECONDS
    return FRAMES < edge - math.floor(edge) < 1 - FRAMES


@pytest.fixture(scope="module")
def silences(tmp_path_factory) -> Voice:
    return voice_with_silences(tmp_path_factory.mktemp("silences"))


@needs_espeak
def test_the_lead_in_and_the_long_pause_are_cut_to_the_natural_lengths(silences):
    voice = AudioSegment.from_wav(silences.path)
    plan = plan_silences(np.frombuffer(voice.raw_data, dtype=np.int16), RATE)
    assert plan.long_pauses == 1 and len(plan.keep) == 2
    assert abs(plan.lead_in - LEAD_IN) < FRAMES
    assert abs(plan.removed_seconds - REMOVED) < FRAMES
    kept_pause = (plan.keep[1][0] - plan.keep[0][1]) / RATE
    assert kept_pause > 0 and plan.keep[1][0] - plan.keep[0][1] <= round(PAUSE * RATE)  # one gap, inside the pause
    assert plan.silences() == "a 3.0 s lead-in and 1 pause over 1 s"


def test_the_rule_on_exact_bursts_of_sound():
    """1 s lead-in → 0.25 s, a 1.5 s pause → 0.6 s, a 0.8 s pause kept, a 2 s tail → 0.25 s."""

    def sound(seconds: float) -> np.ndarray:
        return (8000 * np.sin(2 * np.pi * 200 * np.arange(round(seconds * RATE)) / RATE)).astype(np.int16)

    def quiet(seconds: float) -> np.ndarray:
        return np.zeros(round(seconds * RATE), dtype=np.int16)

    pieces = [quiet(1.0), sound(1.0), quiet(1.5), sound(1.0), quiet(0.8), sound(1.0), quiet(2.0)]
    plan = plan_silences(np.concatenate(pieces), RATE)
    assert plan.keep == ((round(0.75 * RATE), round(2.3 * RATE)), (round(3.2 * RATE), round(6.55 * RATE)))
    assert plan.kept_seconds == pytest.approx(0.25 + 1 + 0.6 + 1 + 0.8 + 1 + 0.25)
    assert (plan.lead_in, plan.tail, plan.long_pauses) == (1.0, 2.0, 1)
    assert plan.silences() == "a 1.0 s lead-in, 1 pause over 1 s and a 2.0 s tail"


@needs_espeak
def test_a_voice_without_long_silences_has_nothing_to_trim(tmp_path):
    first = _spoken(tmp_path, "plain", "Hello! I am a talking avatar, made with Kling, and I never stop.")
    plan = plan_silences(np.frombuffer(first.raw_data, dtype=np.int16), RATE)
    assert not plan.worth and plan.long_pauses == 0


def test_the_saving_is_the_difference_of_the_amounts_shown():
    # 13 s and 9 s at $0.115: $1.495 → $1.50 and $1.035 → $1.04 on the page; their difference is what is saved.
    assert format_saving(13 * PRO_PRICE, 9 * PRO_PRICE) == "$0.46"
    assert format_saving(1.495, 1.035) == "$0.46"  # not $0.46 by luck: the shown amounts, not 0.46 rounded


@needs_espeak
def test_trimming_lowers_the_estimate_by_exactly_the_cut_seconds_cost(silences, tmp_path):
    studio, _ = make_studio(tmp_path)
    offer = asyncio.run(Trimming(studio).offer(str(silences.path), PRO))
    assert offer is not None
    assert offer.before == estimate(silences.seconds, PRO_PRICE)
    assert abs(offer.plan.kept_seconds - silences.trimmed) < FRAMES
    assert offer.after.billed_seconds == _billed(silences.trimmed)
    cut = _billed(silences.seconds) - _billed(silences.trimmed)
    assert offer.before.billed_seconds - offer.after.billed_seconds == cut
    assert offer.before.dollars - offer.after.dollars == pytest.approx(cut * PRO_PRICE)
    saving = format_saving(offer.before.dollars, offer.after.dollars)
    assert offer.button() == f"Trim {offer.plan.removed_seconds:.1f} s of silence — save {saving}"
    path, said = asyncio.run(Trimming(studio).trim(str(silences.path), PRO, None, ANON))
    assert path.name.startswith("trimmed-") and path.suffix == ".wav"
    assert probe_seconds(path) == pytest.approx(offer.plan.kept_seconds, abs=0.002)
    again = asyncio.run(studio.preflight.estimate(str(path), PRO))  # the page's estimate of the trimmed clip
    assert again.estimate == offer.after and again.problem is None
    assert f"saving {offer.saving}" in said and format_dollars(offer.after.dollars) in said


@needs_espeak
def test_trimming_is_free_work_and_its_file_is_under_the_disk_budget(silences, tmp_path):
    bare, _ = make_studio(tmp_path)
    ledger = Ledger(tmp_path / "limited.sqlite3")
    studio = Studio(bare.settings, bare.backends, ledger, RunCache(), free_work=FreeWork(1))
    trimmed, _ = asyncio.run(Trimming(studio).trim(str(silences.path), PRO, None, ANON))
    with pytest.raises(FreeWorkLimited):
        asyncio.run(Trimming(studio).trim(str(silences.path), PRO, None, ANON))
    videos = trimmed.parents[1]
    assert trimmed.parent == videos / "speech"
    disk = DiskBudget(Storage(keep_videos_hours=72, max_mb=100), videos)
    assert disk.sweep(now=time.time() + 2 * DiskBudget.SPOKEN_MAX_AGE) == [trimmed]  # an input: gone within hours


def _dollars(line: str) -> str:
    return re.findall(r"= (\$[\d,.]+)", line)[-1]


@needs_espeak
def test_trim_silence_through_the_api_then_generate_is_billed_on_the_trimmed_length(client, fal, media, silences):
    recorded = client.predict(handle_file(str(silences.path)), PRO, api_name="/estimate_cost")
    trimmed, said = client.predict(handle_file(str(silences.path)), PRO, "", api_name="/trim_silence")
    shorter = client.predict(handle_file(trimmed), PRO, api_name="/estimate_cost")
    billed = _billed(silences.trimmed)
    assert f"{silences.seconds:.1f} s, billed as {_billed(silences.seconds)} s" in recorded
    assert f", billed as {billed} s × $0.115/s = {format_dollars(billed * PRO_PRICE)}" in shorter
    saving = Decimal(_dollars(recorded)[1:]) - Decimal(_dollars(shorter)[1:])
    assert said.endswith(f"{_dollars(recorded)} → {_dollars(shorter)}, saving ${saving}.")
    assert said.startswith("✂️ Trimmed 4.") and "a 3.0 s lead-in and 1 pause over 1 s" in said
    video, status, _ = client.predict(
        handle_file(str(media / "face.png")), handle_file(trimmed), ".", PRO, "", False, api_name="/generate"
    )
    assert f"billed as {billed} s" in status and f"actual cost **{format_dollars(billed * PRO_PRICE)}**" in status
    assert len(fal.submits()) == 1
    assert abs(probe_seconds(video) - silences.trimmed) < 0.2


@needs_espeak
def test_a_voice_without_long_silences_is_returned_unchanged_with_a_sentence(client, fal, media):
    same, said = client.predict(handle_file(str(media / "speech.wav")), PRO, "", api_name="/trim_silence")
    assert said == NOTHING_TO_TRIM
    assert Path(same).read_bytes() == (media / "speech.wav").read_bytes()
    assert fal.seen == []


@needs_espeak
def test_the_offer_decodes_a_clip_once_whatever_the_model_or_how_often_it_is_asked(silences, tmp_path, monkeypatch):
    """The offer follows every change of model and options, and a script may ask it in a loop: one decode."""
    studio, _ = make_studio(tmp_path)
    decodes = []
    plan = trimming._plan
    monkeypatch.setattr(trimming, "_plan", lambda *args: decodes.append(1) or plan(*args))
    offers = Trimming(studio)
    for _ in range(5):
        assert asyncio.run(offers.offer(str(silences.path), PRO)) is not None
    assert decodes == [1]
