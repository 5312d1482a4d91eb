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
        (lambda raw: raw["sharing"].update(enabled="yes"), "sharing.enabled"),
        (lambda raw: raw.update(sharing=True), "sharing"),
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


@pytest.mark.parametrize(
    "path, wrong, right",
    [
        ((), "defualt_model", "default_model"),
        (("jobs",), "max_concurent_owner", "max_concurrent_owner"),
        (("budget",), "max_dolars_per_day", "max_dollars_per_day"),
        (("limits",), "prompt_max_char", "prompt_max_chars"),
        (("limits", "audio"), "max_second", "max_seconds"),
        (("models", 0), "lable", "label"),
        (("storage",), "keep_video_hours", "keep_videos_hours"),
        (("identity",), "trusted_proxy", "trusted_proxies"),
        (("keys",), "allow_visitor_key", "allow_visitor_keys"),
        (("sharing",), "enable", "enabled"),
        (("tts", 0), "max_char", "max_chars"),
        (("tts", 0, "voices", 0), "lable", "label"),
    ],
)
def test_an_unknown_key_stops_with_one_line_naming_it_and_the_nearest(path, wrong, right):
    raw = shipped()
    section = raw
    for step in path:
        section = section[step]
    section[wrong] = 1
    where = "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in path).lstrip(".")
    prefix = f"{where}." if where else ""
    with pytest.raises(SettingsError) as caught:
        parse_settings(raw)
    message = str(caught.value)
    assert f"unknown key `{prefix}{wrong}`; did you mean `{prefix}{right}`?" in message
    assert "\n" not in message


def test_a_model_s_own_limits_refuse_unknown_keys_too():
    raw = shipped()
    raw["models"][0]["limits"] = {"image": {"max_byte": 1}}
    with pytest.raises(SettingsError, match=r"`models\[0\].limits.image.max_byte`; did you mean"):
        parse_settings(raw)


def test_a_misspelt_key_in_the_file_stops_the_app(tmp_path: Path):
    text = DEFAULT_PATH.read_text().replace("max_concurrent_owner: 10", "max_concurent_owner: 1")
    (tmp_path / "space.yaml").write_text(text)
    with pytest.raises(SettingsError, match=r"unknown key `jobs.max_concurent_owner`; did you mean"):
        load_settings(tmp_path / "space.yaml")


def test_a_key_nothing_resembles_lists_the_known_ones():
    raw = shipped()
    raw["keys"]["zzz"] = 1
    with pytest.raises(SettingsError, match=r"unknown key `keys.zzz`; known here: allow_visitor_keys"):
        parse_settings(raw)


def test_sharing_is_on_as_shipped_off_when_the_owner_says_and_on_in_a_file_from_before():
    assert load_settings().sharing_enabled is True
    raw = shipped()
    raw["sharing"] = {"enabled": False}
    assert parse_settings(raw).sharing_enabled is False
    del raw["sharing"]  # a space.yaml from before sharing existed
    assert parse_settings(raw).sharing_enabled is True
