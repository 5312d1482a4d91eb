"""Agents as first-class users, through the `mcp` package's client and gradio_client: start a job, leave,
come back by its id; progress that names the stage and request id; JSON answers that match their schemas."""

from __future__ import annotations

import base64
import dataclasses
import time
from pathlib import Path

import jsonschema
import pytest
from gradio_client import Client, handle_file

from components.config.catalog import SCHEMAS
from tests.fakes.media import tone_wav
from tests.helpers import PREVIEW, PRO, SERVER_KEY, UNLIMITED, VISITOR_KEY, fast_settings, running_app
from tests.mcp_client import call_json, call_tool, list_tools, read_resource

AGENT_A, AGENT_B = "127.0.0.1", "127.0.0.2"


def data_url(path: Path, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()}"


@pytest.fixture
def one_at_once(fal, tmp_path):
    """The app's key with at most one job at once per visitor; each fake job takes 3 s."""
    fal.queue_seconds, fal.run_seconds = 1.0, 2.0
    budget = dataclasses.replace(UNLIMITED, max_jobs_per_visitor_at_once=1)
    with running_app(fast_settings(budget=budget), SERVER_KEY, tmp_path / "videos") as url:
        yield url


def start(url: str, media: Path, voice: Path, source: str = AGENT_A) -> dict:
    arguments = {
        "image": data_url(media / "face.png", "image/png"),
        "audio": data_url(voice, "audio/wav"),
        "model": PRO,
    }
    return call_json(url, "start_generation", arguments, source)


def test_an_agent_starts_a_job_leaves_and_fetches_the_video_by_its_id(one_at_once, fal, media, tmp_path):
    began = time.monotonic()
    started = start(one_at_once, media, tone_wav(tmp_path / "v.wav", 3.0))
    jsonschema.validate(started, SCHEMAS["start_generation"])
    assert time.monotonic() - began < 2.5 and started["state"] == "running"  # back before the 3 s job ends
    assert started["job_id"] == fal.submits()[0].request_id == started["request_ids"][0]
    status = call_json(one_at_once, "job_status", {"job_id": started["job_id"]})  # a new connection
    jsonschema.validate(status, SCHEMAS["job_status"])
    assert status["state"] == "running" and status["request_ids"] == [started["job_id"]]
    with pytest.raises(RuntimeError, match="not one this app ran for you"):
        call_json(one_at_once, "job_result", {"job_id": started["job_id"]}, source=AGENT_B)
    time.sleep(3.5)
    result = call_json(one_at_once, "job_result", {"job_id": started["job_id"]})
    jsonschema.validate(result, SCHEMAS["job_result"])
    assert result["state"] == "done" and result["cost"] == round(3 * 0.115, 2) and result["billed_seconds"] == 3
    assert result["video_url"].endswith(f"{started['job_id']}.mp4") and len(fal.submits()) == 1


def test_two_agents_from_different_addresses_are_two_visitors(one_at_once, fal, media, tmp_path):
    first = start(one_at_once, media, tone_wav(tmp_path / "a.wav", 3.0), AGENT_A)
    second = start(one_at_once, media, tone_wav(tmp_path / "b.wav", 3.0, freq=300), AGENT_B)
    assert first["state"] == second["state"] == "running" and len(fal.submits()) == 2
    with pytest.raises(RuntimeError, match="at most 1 may run at once"):  # the same agent again: its own cap
        start(one_at_once, media, tone_wav(tmp_path / "c.wav", 3.0, freq=400), AGENT_A)
    cancelled = call_json(one_at_once, "cancel_job", {"job_id": second["job_id"]}, source=AGENT_B)
    jsonschema.validate(cancelled, SCHEMAS["cancel_job"])
    assert cancelled["state"] == "stopped" and [path.split("/")[-2] for path in fal.cancels()] == [second["job_id"]]


def test_a_long_generate_reports_its_stage_and_request_id_in_mcp_progress(one_at_once, fal, media, tmp_path):
    said: list[str] = []

    async def heard(progress, total, message):
        said.append(message or "")

    arguments = {
        "image": data_url(media / "face.png", "image/png"),
        "audio": data_url(tone_wav(tmp_path / "v.wav", 3.0), "audio/wav"),
        "prompt": ".",
        "model": PRO,
        "fal_key": "",
        "new_take": False,
    }
    import asyncio

    from tests.mcp_client import _call_from

    asyncio.run(_call_from(one_at_once + "gradio_api/mcp/", "generate", arguments, None, heard))
    request_id = fal.submits()[0].request_id
    named = [m for m in said if f"request id {request_id}" in m]
    assert named and any("queued" in m or "generating" in m for m in named), said


def test_the_catalog_allowance_and_descriptions_come_from_space_yaml(studio):
    catalog = call_json(studio, "catalog", {})
    jsonschema.validate(catalog, SCHEMAS["catalog"])
    assert {m["endpoint"]: m["price_per_second"] for m in catalog["models"]}[PRO] == 0.115
    assert any(v["voice"] == "espeak:en-us" and v["price_per_1000_chars"] == 0 for v in catalog["voices"])
    assert catalog["captions"]["endpoint"] == "fal-ai/wizper" and catalog["captions"]["price_per_minute"] > 0
    assert read_resource(studio, "kling://catalog") == call_tool(studio, "catalog", {})[0]
    allowance = call_json(studio, "allowance_today", {})
    jsonschema.validate(allowance, SCHEMAS["allowance_today"])
    tools = list_tools(studio)
    described = tools["start_generation"].description
    assert '"fal-ai/kling-video/ai-avatar/v2/standard" (Kling AI Avatar v2 Standard, $0.0562/s)' in described
    for name in ("start_generation", "job_status", "job_result", "cancel_job"):
        properties = tools[name].inputSchema["properties"]
        assert all(p.get("description") for p in properties.values()), (name, properties)


def test_a_visitors_key_may_travel_as_a_header_and_is_never_echoed(fal, media, tmp_path):
    with running_app(fast_settings(), None, tmp_path / "videos") as url:
        client = Client(url, verbose=False, headers={"X-Fal-Key": VISITOR_KEY})
        answer = client.predict(
            handle_file(str(media / "face.png")),
            handle_file(str(tone_wav(tmp_path / "v.wav", 3.0))),
            ".",
            PRO,
            api_name="/start_generation",
        )
    assert [job.key for job in fal.submits()] == [VISITOR_KEY] and VISITOR_KEY not in answer


def test_an_agent_can_start_from_a_typed_script_alone(studio, fal, media):
    image = data_url(media / "face.png", "image/png")
    arguments = {"image": image, "script": "Hello there, I was typed by an agent.", "model": PREVIEW}
    done = call_json(studio, "start_generation", arguments)
    jsonschema.validate(done, SCHEMAS["start_generation"])
    assert done["state"] == "done" and done["cost"] == 0 and done["video_url"].endswith(".mp4") and fal.seen == []
    assert call_json(studio, "job_result", {"job_id": done["job_id"]})["video_url"] == done["video_url"]
    assert "audio" not in list_tools(studio)["start_generation"].inputSchema.get("required", [])
