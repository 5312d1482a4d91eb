"""The page: layout first, then wiring with `api_name`, as in Gradio's own demos."""

from __future__ import annotations

from typing import Any

import gradio as gr

from components.handlers import Handlers
from components.pricing import format_price
from components.settings import Settings

INTRO = """# 🗣️ Kling Avatar Studio
Turn a portrait and a voice into a talking-avatar video with
[Kling AI Avatar](https://fal.ai/models/fal-ai/kling-video/ai-avatar/v2/pro) on fal.ai.
Give a face and a voice clip, check the cost, press **Generate**. Videos take a few minutes."""

KEY_HELP = (
    "Used for your requests only, never stored or shown. "
    "Get one at [fal.ai/dashboard/keys](https://fal.ai/dashboard/keys)."
)

# Uploads larger than this never reach our code (Kling's own limits are far lower).
MAX_UPLOAD = "50mb"


def build_ui(settings: Settings, handlers: Handlers, server_has_key: bool) -> gr.Blocks:
    with gr.Blocks(title="Kling Avatar Studio") as demo:
        gr.Markdown(INTRO)
        with gr.Row(equal_height=False):
            with gr.Column():
                inputs = _inputs(settings, server_has_key)
                estimate = gr.Markdown("**Estimated cost:** add a voice clip to see it.", elem_id="estimate")
                with gr.Row():
                    generate = gr.Button("Generate", variant="primary", elem_id="generate")
                    stop = gr.Button("Stop", variant="stop", elem_id="stop")
                readiness = gr.Markdown(elem_id="readiness")
            with gr.Column():
                video = gr.Video(label="Avatar video", autoplay=True, interactive=False, elem_id="video", height=420)
                job_status = gr.Markdown(label="Status", elem_id="status")
        _wire(demo, settings, handlers, inputs, estimate, readiness, generate, stop, video, job_status)
    return demo


def _inputs(settings: Settings, server_has_key: bool) -> dict[str, Any]:
    image = gr.Image(
        label="Portrait", type="filepath", sources=["upload", "webcam", "clipboard"], elem_id="image", height=320
    )
    audio = gr.Audio(label="Voice", type="filepath", sources=["upload", "microphone"], elem_id="audio")
    model = gr.Dropdown(
        label="Model",
        choices=[(f"{m.label} — {format_price(m.price_per_second)}/s", m.endpoint) for m in settings.models],
        value=settings.default_model,
        elem_id="model",
    )
    prompt = gr.Textbox(label="Prompt (optional)", value=".", max_lines=4, elem_id="prompt")
    with gr.Accordion(
        "🔑 Your fal key" + ("" if server_has_key else " — needed: this app has no key of its own"),
        open=not server_has_key,
        visible=settings.allow_visitor_keys,
    ):
        fal_key = gr.Textbox(
            label="Your fal key",
            type="password",
            placeholder="Leave empty to use the app's key" if server_has_key else "fal key id:secret",
            info=KEY_HELP,
            elem_id="fal_key",
        )
    return {"image": image, "audio": audio, "prompt": prompt, "model": model, "fal_key": fal_key}


def _wire(demo, settings, handlers, inputs, estimate, readiness, generate, stop, video, job_status) -> None:
    image, audio, prompt, model, fal_key = (inputs[k] for k in ("image", "audio", "prompt", "model", "fal_key"))
    # After a recording both .change and .stop_recording fire: .change alone is enough.
    gr.on(
        [audio.change, model.change],
        handlers.estimate_cost,
        inputs=[audio, model],
        outputs=estimate,
        api_name="estimate_cost",
        preprocess=False,
        show_progress="hidden",
    )
    gr.on(
        [demo.load, image.change, audio.change, model.change, fal_key.change],
        handlers.readiness,
        inputs=[image, audio, model, fal_key],
        outputs=readiness,
        api_visibility="private",
        preprocess=False,
        show_progress="hidden",
        queue=False,
    )
    job = generate.click(
        handlers.generate,
        inputs=[image, audio, prompt, model, fal_key],
        outputs=[video, job_status],
        api_name="generate",
        preprocess=False,
        concurrency_limit=settings.jobs.max_concurrent,
        concurrency_id="generate",
        show_progress_on=[video],
    )
    stop.click(handlers.stopped, outputs=job_status, cancels=[job], api_visibility="private", queue=False)


def launch(demo: gr.Blocks, settings: Settings, **overrides: Any):
    """Queue sized from space.yaml; run history off so a visitor's key is never kept in a browser."""
    demo.queue(default_concurrency_limit=settings.jobs.max_concurrent)
    options: dict[str, Any] = {"run_history": False, "max_file_size": MAX_UPLOAD, "theme": gr.themes.Soft()}
    options.update(overrides)
    return demo.launch(**options)
