"""What an agent needs to plan, built from space.yaml alone: the models with price, limits and typical time,
the voices with price, and the shapes of the agent tools' answers (JSON Schema)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from components.config.settings import Model, Settings

# Gradio's MCP transport refuses a request over this before any tool code runs (HTTP 413).
REQUEST_LIMIT_BYTES = 4 * 1024 * 1024


def catalog(settings: Settings) -> dict[str, Any]:
    return {
        "models": [_model(model) for model in settings.models],
        "default_model": settings.default_model,
        "voices": [
            {
                "voice": f"{engine.id}:{voice.id}",
                "label": f"{engine.label} — {voice.label}",
                "price_per_1000_chars": engine.price_per_1000_chars,
                "max_chars": engine.max_chars,
            }
            for engine in settings.tts
            for voice in engine.voices
        ],
        "captions": {  # a recorded voice's captions (/captions without a script): heard by fal, paid like a voice
            "endpoint": settings.captions.endpoint,
            "price_per_minute": settings.captions.price_per_minute,
            "rounding": settings.captions.rounding,
            "typed_script": "free: the script's words are timed on the voice, nothing is sent to fal",
        },
        "files": "image and audio as data: URLs or public https URLs; a whole MCP request at most 4 MiB",
        "request_limit_bytes": REQUEST_LIMIT_BYTES,
    }


def model_line(model: Model) -> str:
    """One line per model for tool descriptions: endpoint, label, price."""
    prices = model.price.prices
    price = f"${min(prices)}–${max(prices)}/s by {model.price.by}" if model.price.by else f"${model.price_per_second}/s"
    price = "free, rendered on the app's machine" if max(prices) == 0 else price
    return f'"{model.endpoint}" ({model.label}, {price})'


def _model(model: Model) -> dict[str, Any]:
    audio, image = model.limits.audio, model.limits.image
    return {
        "endpoint": model.endpoint,
        "label": model.label,
        "price_per_second": model.price_per_second,
        "price": {
            "by_option": model.price.by,
            "per_choice": {str(choice): price for choice, price in model.price.per_choice},
            "min_seconds": model.price.min_seconds,
            "rounding": model.price.rounding,
        },
        "options": [
            {"name": o.field, "label": o.label, "choices": list(o.choices), "default": o.default} for o in model.options
        ],
        "typical_seconds": model.typical_seconds,
        "audio_seconds": {"min": audio.min_seconds, "max_per_video": audio.max_seconds, "max": audio.max_total_seconds},
        "audio_formats": list(audio.formats),
        "image_formats": list(image.formats),
        "image_min_side_px": image.min_side_px,
        "prompt_max_chars": model.limits.prompt_max_chars,
    }


_MONEY = {"type": "number", "description": "US dollars, rounded to cents"}
_IDS = {"type": "array", "items": {"type": "string"}}
SCHEMAS: dict[str, dict[str, Any]] = {
    "start_generation": {
        "type": "object",
        "required": ["job_id", "state", "request_ids", "model"],
        "properties": {
            "job_id": {"type": "string"},
            "state": {"enum": ["running", "done"]},
            "request_ids": _IDS,
            "model": {"type": "string"},
            "estimate": {"type": "object"},
            "estimated_cost": _MONEY,
            "video_url": {"type": "string"},
            "cost": _MONEY,
        },
    },
    "job_status": {
        "type": "object",
        "required": ["job_id", "state", "stage"],
        "properties": {
            "job_id": {"type": "string"},
            "state": {"enum": ["running", "done", "failed", "stopped", "unknown"]},
            "stage": {"type": "string"},
            "queue_position": {"type": ["integer", "null"]},
            "progress": {"type": "integer", "minimum": 0, "maximum": 100},
            "eta_seconds": {"type": "integer"},
            "request_ids": _IDS,
            "error": {"type": "string"},
        },
    },
    "job_result": {
        "type": "object",
        "required": ["job_id", "state"],
        "properties": {
            "job_id": {"type": "string"},
            "state": {"enum": ["running", "done", "failed", "stopped", "unknown"]},
            "video_url": {"type": "string"},
            "seconds": {"type": "number"},
            "billed_seconds": {"type": "integer"},
            "cost": _MONEY,
            "request_ids": _IDS,
            "model": {"type": "string"},
        },
    },
    "cancel_job": {
        "type": "object",
        "required": ["job_id", "state"],
        "properties": {"job_id": {"type": "string"}, "state": {"enum": ["stopped", "finished"]}},
    },
    "allowance_today": {
        "type": "object",
        "required": ["on_app_key", "resets"],
        "properties": {"on_app_key": {"type": "boolean"}, "you_may_spend": _MONEY, "app_may_spend": _MONEY},
    },
    "catalog": {"type": "object", "required": ["models", "voices"]},
}


def tool_descriptions(settings: Settings) -> dict[str, str]:
    """Each agent tool's description, from space.yaml: the models and prices as configured now."""
    models = "; ".join(model_line(m) for m in settings.models)
    key = "Your fal key may go in fal_key or the X-Fal-Key header (this call only); empty: the app's key."
    free = "Free; nothing is sent to fal."

    def shape(name: str) -> str:
        return f"Returns JSON with {', '.join(SCHEMAS[name].get('properties', {}))} (schema in the README)."

    return {
        "start_generation": (
            "Start a talking-avatar video and return as soon as fal accepted the job (seconds, not the minutes "
            f"it renders). Models: {models}. Billed per second of voice, whole seconds rounded up. Files as data: "
            f"URLs or public https URLs, the whole request under 4 MiB. {key} Then poll job_status and fetch "
            f"job_result by job_id, also after this call or your connection ends. {shape('start_generation')}"
        ),
        "job_status": f"Where a job is: stage, queue place, progress, ETA, request ids. {free} " + shape("job_status"),
        "job_result": (
            "A job's finished video (URL, seconds, billed seconds, cost, request ids, model); a running job "
            f"answers with its status. Free: nothing is generated again. {shape('job_result')}"
        ),
        "cancel_job": (
            "Cancel a job: a job still queued at fal is removed (not charged); a generating one is asked to "
            f"stop and may still be charged. {shape('cancel_job')}"
        ),
        "allowance_today": f"What you may still spend today on the app's fal key. {free} " + shape("allowance_today"),
        "catalog": "The models (price per second, limits, typical time) and voices (price per 1,000 characters). "
        + free,
    }
