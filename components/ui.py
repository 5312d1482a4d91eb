"""The page layout, as in Gradio's own demos: components first, wiring in wiring.py."""

from __future__ import annotations

import importlib.util
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from components.budget import SessionSpend
from components.pricing import format_price
from components.settings import Settings

INTRO = """# 🗣️ Kling Avatar Studio
Turn a portrait and a voice into a talking-avatar video with
[Kling AI Avatar](https://fal.ai/models/fal-ai/kling-video/ai-avatar/v2/pro) on fal.ai.
Give a face and a voice clip, check the cost, press **Generate**. Kling takes a few minutes;
the **Local preview** model renders a labelled stand-in on this machine, free and without a key."""

KEY_HELP = (
    "Used for your requests only, never stored or shown. "
    "Get one at [fal.ai/dashboard/keys](https://fal.ai/dashboard/keys)."
)
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
# Uploads larger than this never reach our code (Kling's own limits are far lower).
MAX_UPLOAD = "50mb"


@dataclass(frozen=True)
class Page:
    image: Any
    audio: Any
    prompt: Any
    model: Any
    fal_key: Any
    estimate: Any
    generate: Any
    stop: Any
    readiness: Any
    video: Any
    status: Any
    history: Any
    history_list: Any
    reopen: Any
    request_id: Any
    recover: Any
    last_run: Any
    spent: Any


def build_page(settings: Settings, server_has_key: bool) -> Page:
    """Lay the components out inside the current `gr.Blocks`."""
    gr.Markdown(INTRO)
    with gr.Row(equal_height=False):
        with gr.Column():
            image = gr.Image(
                label="Portrait", type="filepath", sources=["upload", "webcam", "clipboard"], elem_id="image", height=320
            )
            audio = gr.Audio(label="Voice", type="filepath", sources=["upload", "microphone"], elem_id="audio")
            model = gr.Dropdown(
                label="Model",
                choices=[(f"{m.label} — {format_price(m.price_per_second)}/s", m.endpoint) for m in settings.models],
                value=settings.default_for(server_has_key),
                elem_id="model",
            )
            prompt = gr.Textbox(label="Prompt (optional)", value=".", max_lines=4, elem_id="prompt")
            fal_key = _key_box(settings, server_has_key)
            estimate = gr.Markdown("**Estimated cost:** add a voice clip to see it.", label="Estimate", elem_id="estimate")
            with gr.Row():
                generate = gr.Button("Generate", variant="primary", elem_id="generate")
                stop = gr.Button("Stop", variant="stop", elem_id="stop", interactive=False)
            readiness = gr.Markdown(elem_id="readiness")
            _examples(image, audio, prompt)
        with gr.Column():
            video = gr.Video(label="Avatar video", autoplay=True, interactive=False, elem_id="video", height=420)
            job_status = gr.Markdown(label="Status", elem_id="status")
            history, history_list, reopen, request_id, recover = _history_panel()
    return Page(
        image, audio, prompt, model, fal_key, estimate, generate, stop, readiness, video, job_status,
        history, history_list, reopen, request_id, recover,
        last_run=gr.State(None), spent=gr.State(SessionSpend()),
    )


def _key_box(settings: Settings, server_has_key: bool):
    with gr.Accordion(
        "🔑 Your fal key" + ("" if server_has_key else " — this app has no key of its own"),
        open=not server_has_key,
        visible=settings.allow_visitor_keys,
    ):
        return gr.Textbox(
            label="Your fal key",
            value="",
            type="password",
            placeholder="Leave empty to use the app's key" if server_has_key else "fal key id:secret",
            info=KEY_HELP,
            elem_id="fal_key",
        )


def _history_panel():
    with gr.Accordion("📼 Your runs (kept in this browser)", open=True):
        # A fixed storage key and, when configured, a fixed secret: history then also survives restarts.
        history = gr.BrowserState(
            [],
            storage_key="kling-avatar-studio-runs",
            secret=os.environ.get("KLING_STUDIO_HISTORY_SECRET") or secrets.token_urlsafe(16),
        )
        history_list = gr.Dropdown(label="Finished runs", choices=[], type="index", elem_id="history")
        reopen = gr.Button("Open this run", elem_id="reopen")
        with gr.Row():
            request_id = gr.Textbox(label="Recover by fal request id", placeholder="request id", elem_id="request_id", scale=3)
            recover = gr.Button("Recover", elem_id="recover", scale=1)
    return history, history_list, reopen, request_id, recover


def _examples(image, audio, prompt) -> None:
    rows = [
        [str(EXAMPLES / portrait), str(EXAMPLES / voice), text]
        for portrait, voice, text in (
            ("person.png", "hello.mp3", "A friendly presenter greets the audience."),
            ("cat.png", "cat.mp3", "A cheerful cartoon cat talks to the camera."),
        )
        if (EXAMPLES / portrait).is_file() and (EXAMPLES / voice).is_file()
    ]
    if rows:
        # No fn: choosing an example only fills the inputs. Nothing is cached, nothing is paid.
        gr.Examples(examples=rows, inputs=[image, audio, prompt], cache_examples=False, label="Try an example")


def mcp_setting(environ) -> bool | None:
    """On wherever gradio[mcp] is installed, unless Gradio's own GRADIO_MCP_SERVER decides (None)."""
    if "GRADIO_MCP_SERVER" in environ:
        return None
    return importlib.util.find_spec("mcp") is not None


def launch(demo: gr.Blocks, settings: Settings, **overrides: Any):
    """Queue sized from space.yaml; run history off so a visitor's key is never kept in a browser."""
    demo.queue(default_concurrency_limit=settings.jobs.max_concurrent)
    options: dict[str, Any] = {
        "run_history": False,
        "max_file_size": MAX_UPLOAD,
        "theme": gr.themes.Soft(),
        "mcp_server": mcp_setting(os.environ),
    }
    options.update(overrides)
    return demo.launch(**options)
