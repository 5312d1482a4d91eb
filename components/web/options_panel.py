"""Each model's own options beside the model picker, read from its catalog entry in space.yaml.

One dropdown per option field any model has (resolution, aspect ratio…), shown only while the chosen
model has it, with that model's choices; a hidden box holds the chosen values as JSON text, which the estimate,
the readiness line and /generate take (`options` in the API), so the page and the API agree.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import gradio as gr

from components.spending.pricing import format_price

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.config.models import Model
    from components.config.settings import Settings

PRIVATE: dict[str, Any] = {"api_visibility": "private"}


def price_label(model: Model) -> str:
    """The price rule in words: `$0.16 per second`, `$0.08–$0.15 per second by resolution`, `…, at least 4 s`."""
    rule, prices = model.price, model.price.prices
    if max(prices) == 0:
        return "Free"
    low, high = min(prices), max(prices)
    said = format_price(low) if low == high else f"{format_price(low)}–{format_price(high)}"
    said += " per second" + (f" by {rule.by.replace('_', ' ')}" if rule.by and low != high else "")
    return said + (f", at least {rule.min_seconds:g} s" if rule.min_seconds else "")


def chosen_options(model: Model, values: tuple[Any, ...], fields: list[str]) -> dict[str, Any]:
    """The dropdowns' values for this model's options; one left from another model falls back to the default."""
    shown = dict(zip(fields, values, strict=True))
    chosen = {}
    for option in model.options:
        match = [choice for choice in option.choices if str(choice) == str(shown.get(option.field))]
        chosen[option.field] = match[0] if match else option.default
    return chosen


def model_options(settings: Settings, model: gr.Dropdown, endpoint: str) -> gr.Textbox:
    """Inside the current Blocks, under the model picker: the option dropdowns and the hidden JSON of them."""
    labels: dict[str, str] = {}
    for each in settings.models:
        for option in each.options:
            labels.setdefault(option.field, option.label)
    fields = list(labels)

    def updates(picked: str) -> list[Any]:
        found = {option.field: option for option in settings.model(picked).options}
        return [
            gr.update(
                visible=True,
                label=found[name].label,
                choices=[str(c) for c in found[name].choices],
                value=str(found[name].default),
            )
            if name in found
            else gr.update(visible=False)
            for name in fields
        ]

    first = {option.field: option for option in settings.model(endpoint).options}
    with gr.Row():
        boxes = [
            gr.Dropdown(
                label=labels[name],
                choices=[str(c) for c in first[name].choices] if name in first else [],
                value=str(first[name].default) if name in first else None,
                visible=name in first,
                elem_id=f"option_{name}",
                min_width=120,
            )
            for name in fields
        ]
    # JSON text, not gr.JSON: an MCP tool's argument needs a typed schema, and a string has one.
    first_chosen = json.dumps(dict(settings.model(endpoint).chosen))
    chosen = gr.Textbox(value=first_chosen, visible=False, label="Options (JSON)", elem_id="options")
    if boxes:
        model.change(updates, inputs=model, outputs=boxes, show_progress="hidden", **PRIVATE)

    def collect(picked: str, *values: Any) -> str:
        return json.dumps(chosen_options(settings.model(picked), values, fields))

    gr.on(
        [model.change, *(box.change for box in boxes)],
        collect,
        inputs=[model, *boxes],
        outputs=chosen,
        show_progress="hidden",
        trigger_mode="always_last",
        **PRIVATE,
    )
    return chosen
