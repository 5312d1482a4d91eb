"""The page: layout and its events together in one `gr.Blocks`, as in Gradio's own demos.

Public events carry an `api_name` (`/estimate_cost`, `/generate`, `/recover`);
the rest are private. The elem_ids are what the browser tests and visitors'
scripts find the components by: keep them stable.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from components.pricing import format_price
from components.settings import Settings
from components.studio import Studio
from components.web.assets import ON_LOAD_JS, SHOW_STATUS_JS
from components.web.handlers import Handlers

INTRO = """# 🗣️ Kling Avatar Studio
Give a **portrait** and a **voice clip**, check the price, press **Generate**: a talking-avatar video by
[Kling AI Avatar](https://fal.ai/models/fal-ai/kling-video/ai-avatar/v2/pro) on fal.ai, in a few minutes.
No key? The free **Local preview** shows the whole flow. Or start from an example below."""

KEY_HELP = (
    "Used for your requests only, never stored or shown. "
    "Get one at [fal.ai/dashboard/keys](https://fal.ai/dashboard/keys)."
)
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
HISTORY_STORAGE_KEY = "kling-avatar-studio-runs"
PRIVATE: dict[str, Any] = {"api_visibility": "private"}


def build_page(
    studio: Studio,
    server_has_key: bool,
    history_secret: str,
    behind_proxy: bool = False,
    login_offered: bool = False,
    delete_cache: tuple[int, int] | None = None,
) -> gr.Blocks:
    """The whole page. `history_secret` encrypts the runs kept in each visitor's browser;
    `delete_cache` is Gradio's (frequency, age) sweep of its own cache."""
    settings, handlers = studio.settings, Handlers(studio, behind_proxy=behind_proxy)
    with gr.Blocks(title="Kling Avatar Studio", delete_cache=delete_cache) as demo:
        gr.Markdown(INTRO)
        if login_offered:
            gr.LoginButton()
        with gr.Row(equal_height=False):
            with gr.Column(scale=5):
                with gr.Row(equal_height=True):
                    image = gr.Image(
                        label="1 · Portrait",
                        type="filepath",
                        sources=["upload", "webcam", "clipboard"],
                        elem_id="image",
                        height=240,
                    )
                    audio = gr.Audio(
                        label="2 · Voice", type="filepath", sources=["upload", "microphone"], elem_id="audio"
                    )
                model = gr.Dropdown(
                    label="3 · Model and price",
                    choices=[(f"{m.label} — {_price(m.price_per_second)}", m.endpoint) for m in settings.models],
                    value=settings.default_for(server_has_key),
                    elem_id="model",
                )
                estimate = gr.Markdown(
                    "**Estimated cost:** add a voice clip to see it.", label="Estimate", elem_id="estimate"
                )
                with gr.Row():
                    generate = gr.Button("Generate", variant="primary", elem_id="generate", scale=3)
                    stop = gr.Button("Stop", variant="stop", elem_id="stop", interactive=False, scale=1)
                status = gr.Markdown(label="Status", elem_id="status")
                readiness = gr.Markdown(elem_id="readiness")
                allowance = gr.Markdown(elem_id="allowance", visible=server_has_key)
                fal_key = _key_box(settings, server_has_key)
                with gr.Accordion("Prompt and takes", open=False):
                    prompt = gr.Textbox(label="Prompt (optional)", value=".", max_lines=4, elem_id="prompt")
                    new_take = gr.Checkbox(
                        label="New take: make a fresh video even if these exact inputs were made before "
                        "(charged again)",
                        value=False,
                        elem_id="new_take",
                    )
                _examples(image, audio, prompt)
            with gr.Column(scale=4):
                video = gr.Video(label="Avatar video", autoplay=True, interactive=False, elem_id="video", height=360)
                with gr.Accordion("📼 Your runs (kept in this browser)", open=True):
                    # A fixed storage key and, when configured, a fixed secret: history also survives restarts.
                    history = gr.BrowserState([], storage_key=HISTORY_STORAGE_KEY, secret=history_secret)
                    history_list = gr.Dropdown(label="Finished runs", choices=[], type="index", elem_id="history")
                    reopen = gr.Button("Open this run", elem_id="reopen")
                    with gr.Row():
                        request_id = gr.Textbox(
                            label="Recover by fal request id", placeholder="request id", elem_id="request_id", scale=3
                        )
                        recover = gr.Button("Recover", elem_id="recover", scale=1)
        # The run's record: a component, not a gr.State, so /generate and /recover also work over MCP.
        last_run = gr.JSON(visible=False, label="Run record")

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
            [demo.load, image.change, audio.change, model.change, fal_key.change, prompt.change],
            handlers.readiness,
            inputs=[image, audio, prompt, model, fal_key],
            outputs=readiness,
            preprocess=False,
            show_progress="hidden",
            trigger_mode="always_last",
            **PRIVATE,
        )
        # Stop can be pressed only while a job runs: enabled first, then the job, then disabled.
        started = generate.click(_interactive(True), outputs=stop, queue=False, js=SHOW_STATUS_JS, **PRIVATE)
        job = started.then(
            handlers.generate,
            inputs=[image, audio, prompt, model, fal_key, new_take],
            outputs=[video, status, last_run],
            api_name="generate",
            preprocess=False,
            # The studio's pools (owner key, visitors' keys, previews) bound what runs; waiting holds no thread.
            concurrency_limit=None,
            show_progress="hidden",  # the status line carries the progress; an error is said there once
        )
        job.then(_interactive(False), outputs=stop, queue=False, **PRIVATE)
        job.failure(_interactive(False), outputs=stop, queue=False, **PRIVATE)  # .then does not follow a failure
        if server_has_key:
            demo.load(handlers.allowance, outputs=allowance, queue=False, **PRIVATE)
            job.then(handlers.allowance, outputs=allowance, queue=False, **PRIVATE)
        # Stop cancels at fal and says what that means now; the job's own stream then ends with the same words.
        stop.click(
            handlers.stop, inputs=fal_key, outputs=status, concurrency_limit=None, show_progress="hidden", **PRIVATE
        ).then(_interactive(False), outputs=stop, queue=False, **PRIVATE)
        # Every run record (a pending one the moment fal accepts, then the finished one) goes to the history.
        last_run.change(handlers.remember, [history, last_run], [history, history_list], **PRIVATE)
        # A page opened with runs still pending at fal follows them to their videos.
        demo.load(
            handlers.resume,
            inputs=[history, fal_key],
            outputs=[video, status, last_run],
            show_progress="hidden",
            **PRIVATE,
        )
        demo.load(None, js=ON_LOAD_JS, **PRIVATE)

        demo.load(handlers.choices, inputs=history, outputs=history_list, **PRIVATE)
        reopen.click(handlers.reopen, inputs=[history, history_list, fal_key], outputs=[video, status], **PRIVATE)
        recover.click(
            handlers.recover, inputs=[request_id, model, fal_key], outputs=[video, status, last_run], api_name="recover"
        )
    return demo


def _key_box(settings: Settings, server_has_key: bool) -> gr.Textbox:
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


def _examples(image: gr.Image, audio: gr.Audio, prompt: gr.Textbox) -> None:
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


def _price(price_per_second: float) -> str:
    return "Free" if price_per_second == 0 else f"{format_price(price_per_second)} per second"


def _interactive(enabled: bool) -> Callable[[], Any]:
    def update() -> Any:
        return gr.update(interactive=enabled)

    return update
