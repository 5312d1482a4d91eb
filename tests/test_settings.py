from pathlib import Path

import pytest
import yaml

from components.config.settings import DEFAULT_PATH, load_settings, parse_settings
from components.errors import InputRejected, SettingsError


def shipped() -> dict:
    return yaml.safe_load(DEFAULT_PATH.read_text())


def test_shipped_settings_have_kling_v2_pro_and_standard():
    settings = load_settings()
    assert settings.default_model == "fal-ai/kling-video/ai-avatar/v2/pro"
    prices = {m.endpoint: m.price_per_second for m in settings.models}
    assert prices["fal-ai/kling-video/ai-avatar/v2/pro"] == 0.115
    assert prices["fal-ai/kling-video/ai-avatar/v2/standard"] == 0.0562
    limits = settings.model(settings.default_model).limits
    assert (limits.audio.min_seconds, limits.audio.max_seconds, limits.audio.max_bytes) == (2, 60, 5_000_000)
    assert (limits.image.min_side_px, limits.image.min_aspect, limits.image.max_aspect) == (300, 0.4, 2.5)
    assert limits.prompt_max_chars == 2500
    assert settings.jobs.max_concurrent > 1


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda raw: raw["models"][1].update(price_per_second="cheap"), "models[1].price_per_second"),
        (lambda raw: raw.update(default_model="fal-ai/nope"), "default_model"),
        (lambda raw: raw["jobs"].pop("timeout_seconds"), "jobs.timeout_seconds"),
        (lambda raw: raw["jobs"].update(max_concurrent=0), "jobs.max_concurrent"),
        (lambda raw: raw["limits"]["audio"].update(min_seconds=90), "limits.audio.min_seconds"),
        (lambda raw: raw["limits"]["image"].update(formats="png"), "limits.image.formats"),
        (lambda raw: raw["limits"]["image"].update(max_side_px_sent=500), "limits.image.max_side_px_sent"),
        (lambda raw: raw["limits"]["image"].pop("max_pixels"), "limits.image.max_pixels"),
        (lambda raw: raw["limits"]["audio"].update(max_channels=0), "limits.audio.max_channels"),
        (lambda raw: raw["keys"].update(allow_visitor_keys="yes"), "keys.allow_visitor_keys"),
        (lambda raw: raw.update(models=[]), "models"),
        (lambda raw: raw["limits"].update(free_per_visitor_per_minute=0), "limits.free_per_visitor_per_minute"),
        (lambda raw: raw["storage"].update(max_mb="lots"), "storage.max_mb"),
        (lambda raw: raw["storage"].update(max_videos_mb=500), "storage.max_videos_mb"),  # the old name beside the new
    ],
)
def test_a_bad_value_is_named(change, field):
    raw = shipped()
    change(raw)
    with pytest.raises(SettingsError) as caught:
        parse_settings(raw)
    assert f"`{field}`" in str(caught.value)


def test_free_work_and_disk_settings_and_the_old_storage_name():
    settings = load_settings()
    assert settings.free_per_visitor_per_minute == 20 and settings.storage.max_mb == 2000
    raw = shipped()
    raw["storage"] = {"keep_videos_hours": 24, "max_videos_mb": 750}  # a space.yaml from before the rename
    del raw["limits"]["free_per_visitor_per_minute"]
    settings = parse_settings(raw)
    assert settings.storage.max_mb == 750 and settings.free_per_visitor_per_minute == 20


def test_a_model_may_override_some_limits():
    raw = shipped()
    raw["models"][0]["limits"] = {"audio": {"max_seconds": 300}}
    settings = parse_settings(raw)
    assert settings.models[0].limits.audio.max_seconds == 300
    assert settings.models[0].limits.audio.min_seconds == 2
    assert settings.models[1].limits.audio.max_seconds == 60


def test_unreadable_files_are_reported(tmp_path: Path):
    with pytest.raises(SettingsError, match="cannot read"):
        load_settings(tmp_path / "missing.yaml")
    (tmp_path / "broken.yaml").write_text("models: [unclosed")
    with pytest.raises(SettingsError, match="not valid YAML"):
        load_settings(tmp_path / "broken.yaml")


def test_unknown_model_is_a_clear_refusal():
    with pytest.raises(InputRejected, match="Unknown model 'x'"):
        load_settings().model("x")


def test_a_bad_settings_file_stops_the_app_with_the_field_named(tmp_path):
    import os
    import subprocess
    import sys

    raw = shipped()
    raw["jobs"]["timeout_seconds"] = "soon"
    bad = tmp_path / "space.yaml"
    bad.write_text(yaml.safe_dump(raw))
    root = Path(__file__).resolve().parent.parent
    run = subprocess.run(
        [sys.executable, "app.py"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "KLING_STUDIO_SETTINGS": str(bad), "GRADIO_ANALYTICS_ENABLED": "False"},
    )
    assert run.returncode == 1
    assert "cannot start" in run.stderr and "`jobs.timeout_seconds` must be a number" in run.stderr
    assert "Traceback" not in run.stderr
