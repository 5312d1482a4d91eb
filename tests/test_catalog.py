"""The catalog: a model is data in space.yaml — its fields, options, price rule and limits — and the
real fal_client sends exactly those fields to the fake fal, which refuses any other as fal does."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
import yaml
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from components.config.settings import DEFAULT_PATH, load_settings, parse_settings
from components.errors import InputRejected, SettingsError
from components.spending.pricing import billed_seconds, model_estimate
from tests.fakes.endpoints import ANY, Fields
from tests.fakes.media import probe_seconds
from tests.helpers import SERVER_KEY, UNLIMITED, running_app

OMNIHUMAN = "fal-ai/bytedance/omnihuman/v1.5"
FABRIC = "veed/fabric-1.0"
STABLE = "fal-ai/stable-avatar"
HEYGEN = "fal-ai/heygen/avatar4/image-to-video"
SETTINGS = load_settings()


def shipped() -> dict:
    return yaml.safe_load(DEFAULT_PATH.read_text())


# ---- price rules -------------------------------------------------------------------------------------
def test_a_per_second_price_bills_whole_seconds_rounded_up():
    quote = model_estimate(SETTINGS.model(OMNIHUMAN), [8.4])
    assert (quote.billed_seconds, quote.price_per_second) == (9, 0.16)
    assert quote.describe() == "8.4 s, billed as 9 s × $0.16/s = $1.44"


def test_a_price_by_resolution_follows_the_chosen_option():
    at_480, at_720 = (model_estimate(SETTINGS.model(FABRIC, {"resolution": r}), [10.0]) for r in ("480p", "720p"))
    assert at_480.describe() == "10.0 s, billed as 10 s × $0.08/s = $0.80"
    assert at_720.describe() == "10.0 s, billed as 10 s × $0.15/s = $1.50"
    assert SETTINGS.model(FABRIC).price_per_second == 0.08  # the default option's price


def test_a_minimum_billed_length_bills_a_short_clip_as_that_long():
    short, long = (model_estimate(SETTINGS.model(STABLE), [seconds]) for seconds in (2.5, 6.2))
    assert short.describe() == "2.5 s, billed as 4 s × $0.1/s = $0.40"
    assert long.billed_seconds == 7
    parts = model_estimate(SETTINGS.model(STABLE), [2.5, 3.0])  # each part of a narration is billed on its own
    assert parts.billed_seconds == 8


def test_exact_rounding_bills_fractions():
    raw = shipped()
    raw["models"][0] = {**raw["models"][0], "price": {"per_second": 0.1, "rounding": "exact"}}
    del raw["models"][0]["price_per_second"]
    quote = model_estimate(parse_settings(raw).models[0], [8.4])
    assert quote.billed_seconds == 8.4 and quote.describe() == "8.4 s, billed as 8.4 s × $0.1/s = $0.84"


# ---- fields, arguments, options ------------------------------------------------------------------------
def test_the_request_maps_inputs_to_the_model_s_fields_with_its_options():
    omni = SETTINGS.model(OMNIHUMAN, {"resolution": "720p"})
    assert omni.request("I", "A", ".") == {
        "image_url": "I",
        "audio_url": "A",
        "resolution": "720p",
        "turbo_mode": False,
    }
    assert omni.request("I", "A", "smile")["prompt"] == "smile"
    fabric = SETTINGS.model(FABRIC)
    assert fabric.request("I", "A", "ignored") == {"image_url": "I", "audio_url": "A", "resolution": "480p"}
    stable = SETTINGS.model(STABLE)
    assert stable.request("I", "A", ".")["prompt"].startswith("A person")  # required: the default argument
    assert stable.request("I", "A", "wave")["prompt"] == "wave"


def test_an_option_sets_its_own_audio_limit():
    assert SETTINGS.model(OMNIHUMAN).limits.audio.max_seconds == 30  # 1080p, the default
    assert SETTINGS.model(OMNIHUMAN, {"resolution": "720p"}).limits.audio.max_seconds == 60


@pytest.mark.parametrize(
    "options, said",
    [({"resolution": "4k"}, "resolution must be one of 1080p, 720p"), ({"speed": 2}, "has no option 'speed'")],
)
def test_an_unknown_option_or_value_is_refused_with_a_sentence(options, said):
    with pytest.raises(InputRejected, match=said):
        SETTINGS.model(OMNIHUMAN, options)


@pytest.mark.parametrize(
    "entry, field",
    [
        ({"price": {"by": "resolution", "per_second": {"480p": 0.1}}}, "models[0].price.by"),
        ({"price": {"per_second": 0.1, "rounding": "down"}}, "models[0].price.rounding"),
        ({"fields": {"image_url": "image", "voice": "speech"}}, "models[0].fields"),
        ({"options": [{"field": "resolution", "choices": ["a"], "default": "b"}]}, "models[0].options[0].default"),
        ({"price_per_second": 0.1, "price": {"per_second": 0.1}}, "models[0].price"),  # given twice
    ],
)
def test_a_bad_model_entry_is_named(entry, field):
    raw = shipped()
    raw["models"][0].pop("price_per_second")
    raw["models"][0].update({"price_per_second": 0.1, **entry} if "price" not in entry else entry)
    with pytest.raises(SettingsError, match=re.escape(f"`{field}`")):
        parse_settings(raw)


def test_every_shipped_fal_model_sends_only_fields_fal_publishes():
    from tests.fakes.endpoints import ENDPOINTS

    for model in SETTINGS.models:
        if model.backend != "fal":
            continue
        for option in model.options:
            for choice in option.choices:
                sent = model.choose({option.field: choice}).request("https://i", "https://a", "a prompt")
                assert ENDPOINTS[model.endpoint].problems(sent) == [], (model.endpoint, sent)
        assert ENDPOINTS[model.endpoint].problems(model.request("https://i", "https://a", ".")) == []


def test_the_fake_refuses_what_fal_would():
    fabric = Fields({"image_url": ANY, "audio_url": ANY, "resolution": ("720p", "480p")})
    found = fabric.problems({"image_url": "i", "audio_url": "a", "prompt": "x"})
    assert [(p["loc"][1], p["type"]) for p in found] == [("prompt", "extra_forbidden"), ("resolution", "missing")]
    assert fabric.problems({"image_url": "i", "audio_url": "a", "resolution": "4k"})[0]["type"] == "enum"


# ---- through the app, the real fal_client and the fake fal ------------------------------------------------
def generate(client, media, model, options=None, prompt="."):
    return client.predict(
        handle_file(str(media / "face.png")),
        handle_file(str(media / "tone5.wav")),
        prompt,
        model,
        "",
        options=options or {},
        api_name="/generate",
    )


def test_omnihuman_sends_its_options_and_no_prompt_unless_one_is_given(client, fal, media):
    generate(client, media, OMNIHUMAN, {"resolution": "720p"})
    generate(client, media, OMNIHUMAN, prompt="She smiles")
    first, second = (job.arguments for job in fal.submits())
    assert set(first) == {"image_url", "audio_url", "resolution", "turbo_mode"} and first["resolution"] == "720p"
    assert second["prompt"] == "She smiles" and second["resolution"] == "1080p"


def test_fabric_sends_its_required_resolution_and_is_billed_from_the_video_s_length(client, fal, media):
    _video, _status, record = generate(client, media, FABRIC, {"resolution": "720p"})
    record = json.loads(record)  # the run record is one JSON document
    (job,) = fal.submits()
    assert job.arguments["resolution"] == "720p" and "prompt" not in job.arguments
    # Fabric returns no duration: the cost is the downloaded video's own length × the 720p price.
    assert record["seconds"] == pytest.approx(probe_seconds(media / "tone5.wav"), abs=0.2)
    # The one rule, before and after: the video's length in whole seconds rounded up.
    assert record["cost"] in _billed(record["seconds"], 0.15)


def test_a_wrong_option_is_refused_before_anything_is_sent(client, fal, media):
    with pytest.raises(AppError, match="resolution must be one of 480p, 720p"):
        generate(client, media, FABRIC, {"resolution": "1080p"})
    assert fal.submits() == []


def test_the_estimate_takes_the_options(client, media):
    text = client.predict(
        handle_file(str(media / "tone5.wav")), FABRIC, {"resolution": "720p"}, api_name="/estimate_cost"
    )
    assert "billed as 5 s × $0.15/s = $0.75" in text


def test_a_model_added_to_space_yaml_alone_renders_through_its_endpoint(fal, media, tmp_path):
    raw = shipped()
    raw["models"].insert(
        0,
        {
            "endpoint": "acme/talking-head/v3",
            "label": "Acme Talking Head v3",
            "price": {"by": "quality", "per_second": {"draft": 0.02, "fine": 0.05}, "min_seconds": 3},
            "fields": {"portrait": "image", "speech": "audio"},
            "arguments": {"seed": 7},
            "options": [{"field": "quality", "choices": ["draft", "fine"], "default": "draft"}],
        },
    )
    fal.endpoints["acme/talking-head/v3"] = Fields(
        {"portrait": ANY, "speech": ANY}, {"seed": ANY, "quality": ("draft", "fine")}, False, ("portrait", "speech")
    )
    try:
        settings = parse_settings(raw)
        settings = dataclasses.replace(settings, budget=UNLIMITED)
        with running_app(settings, SERVER_KEY, tmp_path / "videos") as url:
            _video, _status, record = generate(
                Client(url, verbose=False), media, "acme/talking-head/v3", {"quality": "fine"}
            )
    finally:
        del fal.endpoints["acme/talking-head/v3"]
    (job,) = fal.submits()
    assert job.endpoint == "acme/talking-head/v3"
    assert set(job.arguments) == {"portrait", "speech", "seed", "quality"} and job.arguments["quality"] == "fine"
    record = json.loads(record)
    assert record["cost"] in _billed(record["seconds"], 0.05)  # its price rule, on the video's own length


def test_a_field_fal_does_not_take_fails_with_fal_s_422(fal, media, tmp_path):
    raw = shipped()
    omni = next(m for m in raw["models"] if m["endpoint"] == OMNIHUMAN)
    omni["arguments"] = {"resolutoin": "720p"}  # a misspelt fixed argument reaches fal, which refuses it
    settings = dataclasses.replace(parse_settings(raw), budget=UNLIMITED)
    with running_app(settings, SERVER_KEY, tmp_path / "videos") as url, pytest.raises(AppError, match="resolutoin"):
        generate(Client(url, verbose=False), media, OMNIHUMAN)
    assert fal.submits() == []


def _billed(seconds: float, price: float) -> set[float]:
    """The cost of a video this long by the one rounding rule (the record's seconds are rounded to 0.01 s)."""
    return {round(billed_seconds(seconds + shift) * price, 2) for shift in (-0.005, 0.0, 0.005)}
