"""Model showdown: the same inputs on two models at once, side by side, each an ordinary run."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from tests.browser import open_page, screenshot
from tests.helpers import PRO, SERVER_KEY, STANDARD, UNLIMITED, fast_settings, running_app


def compare(client: Client, media, models: list[str], prompt: str = "compare", options: dict | None = None) -> tuple:
    return client.predict(
        handle_file(str(media / "face.png")),
        handle_file(str(media / "speech.wav")),
        prompt,
        models,
        "",
        json.dumps(options or {}),
        api_name="/compare",
    )


def test_two_models_run_at_once_and_each_is_labelled(client, fal, media):
    fal.queue_seconds, fal.run_seconds = 0.2, 1.5
    video_1, label_1, video_2, label_2, *_, runs = compare(client, media, [PRO, STANDARD])
    jobs = fal.submits()
    assert sorted(job.endpoint.split("/")[-1] for job in jobs) == ["pro", "standard"]
    starts = sorted(job.submitted for job in jobs)
    assert starts[1] - starts[0] < 1.0, "the two models did not run at the same time"
    for video, label, name in ((video_1, label_1, "Pro"), (video_2, label_2, "Standard")):
        assert video.endswith(".mp4") and name in label and "billed" in label and "$" in label
    assert {job.request_id for job in jobs} == {run["request_id"] for run in runs}  # each an ordinary run
    assert all(job.request_id in (label_1 + label_2) for job in jobs)


def test_four_models_with_their_options_run_at_once_each_slot_labelled(client, fal, media):
    fal.queue_seconds, fal.run_seconds = 0.2, 1.0
    models = [PRO, "fal-ai/bytedance/omnihuman/v1.5", "veed/fabric-1.0", "fal-ai/stable-avatar"]
    options = {"veed/fabric-1.0": {"resolution": "720p"}, "fal-ai/bytedance/omnihuman/v1.5": {"resolution": "720p"}}
    *slots, runs = compare(client, media, models, options=options)
    videos, labels = slots[0::2], slots[1::2]
    jobs = {job.endpoint: job for job in fal.submits()}
    assert set(jobs) == set(models) and len(runs) == 4
    assert jobs["veed/fabric-1.0"].arguments["resolution"] == "720p"
    assert jobs["fal-ai/bytedance/omnihuman/v1.5"].arguments["resolution"] == "720p"
    for video, label, endpoint in zip(videos, labels, models, strict=True):
        assert video.endswith(".mp4") and "billed" in label and "per second" in label and "$" in label, label
        assert jobs[endpoint].request_id in label and " s · " in label  # wall time and request id
    assert "VEED Fabric 1.0 (720p) · $0.08–$0.15 per second by resolution" in labels[2]
    assert "at least 4 s" in labels[3]


def test_a_comparison_that_cannot_run_whole_is_refused_and_costs_nothing(client, fal, media, tmp_path):
    with pytest.raises(AppError, match="Choose 2 to 4 different models"):
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
        page.wait_for_selector("#compare_label_1", state="visible")
        assert page.is_hidden("#compare_video_2") and page.is_hidden("#compare_label_3")  # two chosen, two slots
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
    video_1, label_1, video_2, label_2, *_, runs = compare(client, media, [PRO, STANDARD], prompt="one fails")
    assert video_1 is None and "fal refused the inputs" in label_1 and "face_detection_error" in label_1
    assert video_2.endswith(".mp4") and "Standard" in label_2 and len(runs) == 1
    assert all(job.request_id in (label_1 + label_2) for job in fal.submits())


def test_four_models_in_the_browser_each_labelled_then_use_this_one(studio, fal, media):
    fal.queue_seconds, fal.run_seconds = 0.1, 0.5
    with open_page(studio) as page:
        page.set_input_files("#image input[type=file]", str(media / "face.png"))
        page.set_input_files("#audio input[type=file]", str(media / "tone5.wav"))
        page.click("#model input")  # the chosen model's options appear beside it
        page.get_by_role("option", name=re.compile("OmniHuman")).click()
        page.wait_for_selector("#option_resolution", state="visible", timeout=10000)
        assert page.locator("#option_aspect_ratio").is_hidden()
        page.click("#compare_panel button")  # open the panel
        page.wait_for_selector("#compare_label_1", state="visible")
        assert page.is_hidden("#compare_video_2") and page.is_hidden("#compare_label_3")  # two chosen, two slots
        for label in ("ByteDance OmniHuman v1.5", "VEED Fabric 1.0"):
            page.locator("#compare_models").get_by_label(label, exact=True).check()
        page.wait_for_function(
            "document.querySelector('#compare_estimate').innerText.includes('for 4 videos')", timeout=15000
        )
        heads = [page.inner_text(f"#compare_label_{index}") for index in range(4)]
        assert all("ready to compare" in head and "per second" in head for head in heads), heads
        assert any("OmniHuman" in head and "1080p" in head for head in heads)  # the options beside the picker
        label_box, video_box = (page.locator(f"#compare_{part}_0").bounding_box() for part in ("label", "video"))
        assert label_box["y"] + label_box["height"] <= video_box["y"] + 1  # each slot's label sits on top
        names = [page.inner_text(f"#compare_use_{index}") for index in range(4)]
        assert len(set(names)) == 4 and all(name.startswith("Use ") for name in names), names
        page.click("#compare")
        done = "[0,1,2,3].every(i => document.querySelector('#compare_label_' + i).innerText.includes('✅'))"
        page.wait_for_function(done, timeout=60000)
        labels = [page.inner_text(f"#compare_label_{index}") for index in range(4)]
        screenshot(page, "compare-four")
        page.click("#compare_use_2")
        chosen = next(label for label in ("OmniHuman", "Fabric", "Kling") if label in labels[2])
        page.wait_for_function(f"document.querySelector('#model input').value.includes('{chosen}')", timeout=10000)
    jobs = fal.submits()
    assert len(jobs) == 4
    for job in jobs:
        assert any(job.request_id in label and "billed" in label and "per second" in label for label in labels)
