"""The MCP tools, called as an agent calls them: the `mcp` package's streamable-HTTP client, files as data: URLs."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

from tests.fakes.media import tone_wav
from tests.helpers import PREVIEW, PRO
from tests.mcp_client import call_tool, list_tools


def data_url(path: Path, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()}"


def arguments(media: Path, audio: Path, model: str, prompt: str = ".") -> dict:
    return {
        "image": data_url(media / "face.png", "image/png"),
        "audio": data_url(audio, "audio/wav"),
        "prompt": prompt,
        "model": model,
        "fal_key": "",
        "new_take": False,
        "script": "",
    }


def test_the_tools_are_described_for_an_agent(studio):
    tools = list_tools(studio)
    assert {"estimate_cost", "generate", "recover"} <= set(tools)
    generate = tools["generate"]
    assert "lip-syncs" in generate.description and "Costs the model's price per second" in generate.description
    assert "never stored" in generate.inputSchema["properties"]["fal_key"]["description"]
    assert "Free" in tools["estimate_cost"].description and "Free" in tools["recover"].description


def test_estimate_generate_and_recover_over_mcp(studio, fal, media, tmp_path):
    voice = tone_wav(tmp_path / "voice.wav", 3.0)
    estimate = " ".join(call_tool(studio, "estimate_cost", {"audio": data_url(voice, "audio/wav"), "model": PRO}))
    assert "3.0 s" in estimate and "$0.35" in estimate and fal.seen == []

    made = " ".join(call_tool(studio, "generate", arguments(media, voice, PRO, prompt="mcp take")))
    request_id = fal.submits()[0].request_id
    assert len(fal.submits()) == 1 and request_id in made and ".mp4" in made

    recovered = " ".join(call_tool(studio, "recover", {"request_id": request_id, "model": PRO, "fal_key": ""}))
    assert "Recovered from fal" in recovered and len(fal.submits()) == 1


def test_a_free_preview_over_mcp_returns_a_video(studio, fal, media, tmp_path):
    made = " ".join(call_tool(studio, "generate", arguments(media, tone_wav(tmp_path / "v.wav", 2.5), PREVIEW)))
    assert re.search(r"\.mp4", made) and "Preview — rendered locally" in made and fal.seen == []


def test_a_refusal_over_mcp_is_a_sentence(studio, fal, media, tmp_path):
    with pytest.raises(RuntimeError, match=r"too short: 1\.0 s"):
        call_tool(studio, "generate", arguments(media, tone_wav(tmp_path / "short.wav", 1.0), PRO))
    assert fal.seen == []
