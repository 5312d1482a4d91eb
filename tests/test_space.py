"""Ready for Hugging Face Spaces: front matter, packages, examples that cost nothing, MCP."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import yaml

from app import mcp_setting
from components.config.settings import load_settings
from components.inputs.audio import prepare_audio
from components.inputs.image import prepare_image
from components.web.panels import EXAMPLES
from tests.helpers import SERVER_KEY, fast_settings, running_app

ROOT = Path(__file__).resolve().parent.parent


def front_matter() -> dict:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.match(r"^---\n(.*?)\n---\n", text, re.S)
    assert match, "README.md has no YAML front matter"
    return yaml.safe_load(match.group(1))


def pinned(package: str) -> str:
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        name, _, version = line.partition("==")
        if re.sub(r"\[.*\]", "", name).strip().lower() == package:
            return version.split("#")[0].split(";")[0].strip()
    raise AssertionError(f"{package} is not pinned in requirements.txt")


def test_front_matter_matches_requirements_and_settings():
    meta = front_matter()
    assert meta["sdk"] == "gradio"
    assert str(meta["sdk_version"]) == pinned("gradio")
    assert (ROOT / meta["app_file"]).is_file()
    major, minor = (int(part) for part in str(meta["python_version"]).split(".")[:2])
    assert (major, minor) >= (3, 10)
    for field in ("title", "emoji", "colorFrom", "colorTo"):
        assert meta[field]
    assert 0 < len(meta["short_description"]) <= 60  # Hugging Face's limit
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for model in load_settings().models:
        assert model.endpoint in readme, f"README does not mention {model.endpoint} from space.yaml"


def test_ffmpeg_is_an_apt_package_of_the_space():
    assert "ffmpeg" in (ROOT / "packages.txt").read_text().split()


def test_examples_are_valid_inputs(tmp_path):
    limits = load_settings().model(load_settings().default_model).limits
    for portrait in ("person.png", "cat.png"):
        prepare_image(EXAMPLES / portrait, limits.image, tmp_path)
    for voice in ("hello.mp3", "cat.mp3"):
        assert prepare_audio(EXAMPLES / voice, limits.audio, tmp_path).seconds > 2


def test_examples_are_never_generated_at_start_up(fal, monkeypatch, tmp_path):
    monkeypatch.setenv("GRADIO_CACHE_EXAMPLES", "true")  # what Spaces do
    with running_app(fast_settings(), SERVER_KEY, tmp_path) as url:
        config = httpx.get(url + "config").json()
        assert any(c.get("type") == "dataset" for c in config["components"]), "no examples on the page"
        assert fal.seen == []


def test_mcp_server_lists_the_studio_tools(studio):
    schema = httpx.get(studio.rstrip("/") + "/gradio_api/mcp/schema").json()
    names = {tool["name"] for tool in schema}
    assert {"estimate_cost", "generate", "recover"} <= names
    assert SERVER_KEY not in str(schema)


def test_mcp_is_on_by_default_and_gradio_mcp_server_can_turn_it_off():
    assert mcp_setting({}) is True  # gradio[mcp] is in requirements.txt
    assert mcp_setting({"GRADIO_MCP_SERVER": "false"}) is None  # Gradio then reads the variable itself
