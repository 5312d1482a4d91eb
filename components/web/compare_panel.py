"""The "Compare models" panel: its layout and events (the handlers are in compare_handlers.py)."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import gradio as gr

from components.config.models import read_options
from components.running.compare import MAX_MODELS
from components.studio import Studio
from components.web.compare_handlers import CompareHandlers
from components.web.video import PlayableVideo

PRIVATE: dict[str, Any] = {"api_visibility": "private"}


def compare_panel(studio: Studio, inputs: dict[str, Any]) -> Any:
    """Inside the current Blocks: the panel and its events. `inputs`: image, audio, prompt, fal_key, model, options,
    history, show_history (the event that redraws the history's gallery: fn, inputs, outputs)."""
    handlers = CompareHandlers(studio)
    paid = [(m.label, m.endpoint) for m in studio.settings.models if studio.backends[m.endpoint].paid]
    with gr.Accordion("⚖️ Compare models side by side", open=False, elem_id="compare_panel"):
        models = gr.CheckboxGroup(
            choices=paid, value=[e for _, e in paid[:2]], label=f"Models (2–{MAX_MODELS})", elem_id="compare_models"
        )
        total = gr.Markdown(elem_id="compare_estimate")
        with gr.Row():
            run = gr.Button("Compare", variant="primary", elem_id="compare")
            stop = gr.Button("Stop all", variant="stop", elem_id="compare_stop")
        stopped = gr.Markdown(elem_id="compare_stopped")
        heads = handlers.heads([e for _, e in paid[:2]], None)
        with gr.Row():
            slots, uses, columns = [], [], []
            for index in range(MAX_MODELS):
                # The slot's label on top: which model, its price, where it is.
                with gr.Column(min_width=200, visible=heads[2 * MAX_MODELS + index]["visible"]) as column:
                    columns.append(column)
                    label = gr.Markdown(heads[index], elem_id=f"compare_label_{index}")
                    slots += [PlayableVideo(interactive=False, elem_id=f"compare_video_{index}"), label]
                    use = heads[MAX_MODELS + index]
                    uses.append(
                        gr.Button(
                            use.get("value", "Use"), size="sm", elem_id=f"compare_use_{index}", visible=use["visible"]
                        )
                    )
        finished = gr.JSON(visible=False)
        # Each compared model's options, by endpoint: on the page, those set beside the model picker for its model.
        options = gr.Textbox(value="{}", visible=False, elem_id="compare_options")  # JSON text: MCP needs a type
    gr.on(
        [inputs["model"].change, inputs["options"].change],
        lambda model, chosen: json.dumps({model: studio.settings.model(model).fit(read_options(chosen))}),
        inputs=[inputs["model"], inputs["options"]],
        outputs=options,
        **PRIVATE,
    )
    gr.on(
        [models.change, options.change],
        handlers.heads,
        inputs=[models, options],
        outputs=[*slots[1::2], *uses, *columns],
        show_progress="hidden",
        queue=False,
        **PRIVATE,
    )
    gr.on(
        [models.change, inputs["audio"].change, inputs["fal_key"].change, options.change],
        handlers.estimate,
        inputs=[inputs["audio"], models, inputs["fal_key"], options],
        outputs=total,
        preprocess=False,
        show_progress="hidden",
        trigger_mode="always_last",
        **PRIVATE,
    )
    compared = run.click(
        handlers.compare,
        inputs=[inputs["image"], inputs["audio"], inputs["prompt"], models, inputs["fal_key"], options],
        outputs=[*slots, finished],
        api_name="compare",
        preprocess=False,
        concurrency_limit=None,
        show_progress="hidden",
    )
    for index, use in enumerate(uses):
        use.click(partial(handlers.use, slot=index), inputs=models, outputs=inputs["model"], **PRIVATE)
    stop.click(handlers.stop_all, inputs=[models, inputs["fal_key"]], outputs=stopped, **PRIVATE)
    finished.change(handlers.remember_all, [inputs["history"], finished], inputs["history"], **PRIVATE).then(
        **inputs["show_history"], **PRIVATE
    )
    return compared  # the paid event: the page's allowance follows it
