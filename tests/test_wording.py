"""What the page says about money: one rounding rule before and after, "Free" where nothing is paid."""

from __future__ import annotations

from pathlib import Path

from components.events import Done
from components.history.runs import Run
from components.spending.pricing import actual_cost, estimate, format_dollars
from components.web import wording

PRO_PRICE = 0.115


def finished(seconds: float, price: float, request_id: str | None = "req-1") -> Done:
    run = Run("fal-ai/x", "Kling Pro", seconds, actual_cost(seconds, price), request_id, "v.mp4", "2025-01-01T10:00:00")
    return Done(run, Path("v.mp4"), 42.0, None)


def test_the_finished_cost_is_the_estimates_dollars_and_billed_seconds():
    before = estimate(8.4, PRO_PRICE)
    after = wording.describe_done(finished(8.4, PRO_PRICE))
    assert f"billed as {before.billed_seconds} s" in after
    assert f"actual cost **{format_dollars(before.dollars)}**" in after and "$1.04" in after


def test_a_free_run_says_free_not_zero_dollars():
    said = wording.describe_done(finished(6.3, 0.0, request_id=None))
    assert "actual cost **Free**" in said and "$0.00" not in said
    assert "$0.00" not in finished(6.3, 0.0).run.label()


def test_a_typed_scripts_voice_is_said_with_the_videos_cost():
    done = finished(8.4, PRO_PRICE)
    said = wording.describe_done(Done(done.run, done.video, done.elapsed, None, voice_cost=0.02))
    assert "🔊 Voice $0.02 + video $1.04 = **$1.06** in all." in said


def test_what_is_missing_is_listed_as_a_sentence():
    assert wording.readiness(["a portrait image"], None) == "To generate, add a portrait image."
    both = wording.readiness(["a portrait image", "a voice clip", "a fal key"], None)
    assert both == "To generate, add a portrait image, a voice clip and a fal key."
