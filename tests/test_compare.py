"""Model showdown: the same inputs on two models at once, side by side, each an ordinary run."""

from __future__ import annotations

import dataclasses

import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from tests.browser import open_page, screenshot
from tests.helpers import PRO, SERVER_KEY, STANDARD, UNLIMITED, fast_settings, running_app


def compare(client: Client, media, models: list[str], prompt: str = "compare") -> tuple:
    return client.predict(
        handle_file(str(media / "face.png")),
        handle_file(str(media / "speech.wav")),
        prompt,
        models,
        "",
        api_name="/compare",
    )


def test_two_models_run_at_once_and_each_is_labelled(client, fal, media):
    fal.queue_seconds, fal.run_seconds = 0.2, 1.5
    video_1, label_1, video_2, label_2, _, _, runs = compare(client, media, [PRO, STANDARD])
    jobs = fal.submits()
    assert sorted(job.endpoint.split("/")[-1] for job in jobs) == ["pro", "standard"]
    starts = sorted(job.submitted for job in jobs)
    assert starts[1] - starts[0] < 1.0, "the two models did not run at the same time"
    for video, label, name in ((video_1, label_1, "Pro"), (video_2, label_2, "Standard")):
        assert video.endswith(".mp4") and name in label and "billed" in label and "$" in label
    assert {job.request_id for job in jobs} == {run["request_id"] for run in runs}  # each an ordinary run
    assert all(job.request_id in (label_1 + label_2) for job in jobs)


def test_a_comparison_that_cannot_run_whole_is_refused_and_costs_nothing(client, fal, media, tmp_path):
    with pytest.raises(AppError, match="Choose 2 to 3 models"):
        compare(client, media, [PRO])
    one_at_once = dataclasses.replace(UNLIMITED, max_jobs_per_visitor_at_once=1)
    refusal = "This would run 2 job\\(s\\) on the app's fal key while you have 0 running, and at most 1"
    with (
        running_app(fast_settings(budget=one_at_once), SERVER_KEY, tmp_path / "videos") as url,
        pytest.raises(AppError, match=refusal),
    ):
        compare(Client(url, verbose=False), media, [PRO, STANDARD])
    assert fal.seen == []


def test_the_page_shows_the_total_and_stop_all_cancels_every_model(studio, fal, media):
    fal.queue_seconds, fal.run_seconds = 0.2, 60
    with open_page(studio) as page:
        page.set_input_files("#image input[type=file]", str(media / "face.png"))
        page.set_input_files("#audio input[type=file]", str(media / "speech.wav"))
        page.click("#compare_panel button")  # open the panel
        page.wait_for_function(
            "document.querySelector('#compare_estimate').innerText.includes('Comparison total')", timeout=15000
        )
        page.click("#compare")
        page.wait_for_function("document.body.innerText.split('generating').length > 2", timeout=20000)
        page.click("#compare_stop")
        page.wait_for_function(
            "document.querySelector('#compare_stopped').innerText.includes('Cancel requested')", timeout=10000
        )
        screenshot(page, "compare-stopped")
    assert len(fal.submits()) == 2 and len(fal.cancels()) == 2


def test_one_model_failing_leaves_the_others_video_and_explains_the_failure_beside_it(client, fal, media):
    fal.faults.update(
        result_status=422,
        result_endpoint=PRO,
        result_detail=[{"loc": ["body", "image_url"], "msg": "face_detection_error"}],
    )
    video_1, label_1, video_2, label_2, _, _, runs = compare(client, media, [PRO, STANDARD], prompt="one fails")
    assert video_1 is None and "fal refused the inputs" in label_1 and "face_detection_error" in label_1
    assert video_2.endswith(".mp4") and "Standard" in label_2 and len(runs) == 1
    assert all(job.request_id in (label_1 + label_2) for job in fal.submits())
