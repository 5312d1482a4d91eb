"""The page: layout and its events together in one `gr.Blocks`, as in Gradio's own demos.

Public events carry an `api_name` (`/estimate_cost`, `/generate`, `/recover`);
the rest are private. The elem_ids are what the browser tests and visitors'
scripts find the components by: keep them stable.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from components.studio import Studio
from components.web import wording
from components.web.agent_api import agent_api
from components.web.assets import SHOW_STATUS_JS
from components.web.compare_panel import compare_panel
from components.web.handlers import Handlers
from components.web.history_panel import history_events, history_panel
from components.web.options_panel import model_options, price_label
from components.web.page_script import PAGE_JS
from components.web.panels import INTRO, examples, interactive, key_box, script_tab
from components.web.post_panel import post_panel
from components.web.script_flow import script_flow
from components.web.shape_choice import offer_shape_first, shape_choice
from components.web.share_panel import share_panel
from components.web.trim_panel import trim_panel
from components.web.video import PlayableVideo
from components.web.voice_handlers import VoiceHandlers

PRIVATE: dict[str, Any] = {"api_visibility": "private"}


def build_page(
    studio: Studio,
    server_has_key: bool,
    history_secret: str,
    login_offered: bool = False,
    delete_cache: tuple[int, int] | None = None,
) -> gr.Blocks:
    """The whole page. `history_secret` encrypts the runs kept in each visitor's browser;
    `delete_cache` is Gradio's (frequency, age) sweep of its own cache."""
    settings, handlers = studio.settings, Handlers(studio)
    voice_handlers = VoiceHandlers(studio)
    with gr.Blocks(title="Kling Avatar Studio", delete_cache=delete_cache) as demo:
        gr.Markdown(INTRO, elem_id="intro")
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
                    with gr.Column(), gr.Tabs():
                        with gr.Tab("2 · Voice clip"):
                            audio = gr.Audio(
                                label="2 · Voice", type="filepath", sources=["upload", "microphone"], elem_id="audio"
                            )
                        with gr.Tab("… or type a script", elem_id="script_tab"):
                            script, voice, speak, script_estimate, spoken = script_tab(voice_handlers.choices())
                first_model = settings.default_for(server_has_key)
                model = gr.Dropdown(
                    label="3 · Model and price",
                    choices=[(f"{m.label} — {price_label(m)}", m.endpoint) for m in settings.models],
                    value=first_model,
                    elem_id="model",
                )
                options = model_options(settings, model, first_model)  # the chosen model's own options
                estimate = gr.Markdown(wording.NO_ESTIMATE, label="Estimate", elem_id="estimate")
                trim_panel(studio, audio, model, options)  # long silences: trim them before paying
                with gr.Row():
                    generate = gr.Button("Generate", variant="primary", elem_id="generate", scale=3)
                    stop = gr.Button("Stop", variant="stop", elem_id="stop", interactive=False, scale=1)
                post_shape = shape_choice()  # under Generate: a phone's first screen still reaches the button
                readiness = gr.Markdown(elem_id="readiness")
                skip_face_check = gr.Checkbox(
                    label="Go ahead without a face check (it can miss drawn or stylised faces)",
                    value=False,
                    elem_id="skip_face_check",
                )
                allowance = gr.Markdown(elem_id="allowance", visible=server_has_key)
                fal_key = key_box(settings, server_has_key)
                with gr.Accordion("Prompt and takes", open=False):
                    prompt = gr.Textbox(label="Prompt (optional)", value=".", max_lines=4, elem_id="prompt")
                    new_take = gr.Checkbox(
                        label="New take: make a fresh video even if these exact inputs were made before "
                        "(charged again)",
                        value=False,
                        elem_id="new_take",
                    )
                examples(image, audio, prompt)
            with gr.Column(scale=4):  # the job's status beside its video (assets.py pins it on a phone)
                status = gr.Markdown(label="Status", elem_id="status")
                video = PlayableVideo(
                    label="Avatar video", autoplay=True, interactive=False, elem_id="video", height=360
                )
                share_panel(studio, demo, {"video": video, "status": status, "fal_key": fal_key})
                runs = history_panel(history_secret)
        compared = compare_panel(
            studio,
            {
                "image": image,
                "audio": audio,
                "prompt": prompt,
                "fal_key": fal_key,
                "model": model,
                "options": options,
                "history": runs.history,
                "show_history": runs.refresh(handlers, fal_key),
            },
        )
        posting = post_panel(studio, {"video": video, "script": script, "fal_key": fal_key})
        # The run's record: a component, not a gr.State, so /generate and /recover also work over MCP.
        last_run = gr.Textbox(visible=False, label="Run record (JSON)")

        # After a recording both .change and .stop_recording fire: .change alone is enough.
        gr.on(
            [audio.change, model.change, options.change, script.change, voice.change],
            handlers.estimate_cost,
            inputs=[audio, model, options, script, voice],
            outputs=estimate,
            api_name="estimate_cost",
            preprocess=False,
            show_progress="hidden",
            trigger_mode="always_last",  # a model switch fires twice (model, then its options): the last counts
        )
        changes = [image.change, audio.change, model.change, options.change, fal_key.change, prompt.change]
        gr.on(
            [demo.load, *changes, skip_face_check.change, script.change],
            handlers.readiness,
            inputs=[image, audio, prompt, model, fal_key, skip_face_check, options, script],
            outputs=readiness,
            preprocess=False,
            show_progress="hidden",
            trigger_mode="always_last",
            **PRIVATE,
        )
        # Stop can be pressed only while a job runs: enabled first, then the job, then disabled.
        started = generate.click(interactive(True), outputs=stop, queue=False, js=SHOW_STATUS_JS, **PRIVATE)
        job = started.then(
            handlers.generate,
            inputs=[image, audio, prompt, model, fal_key, new_take, script, voice, skip_face_check, options],
            outputs=[video, status, last_run],
            api_name="generate",
            preprocess=False,
            # The studio's pools (owner key, visitors' keys, previews) bound what runs; waiting holds no thread.
            concurrency_limit=None,
            show_progress="hidden",  # the status line carries the progress; an error is said there once
        )
        job.then(interactive(False), outputs=stop, queue=False, **PRIVATE)
        job.failure(interactive(False), outputs=stop, queue=False, **PRIVATE)  # .then does not follow a failure
        offer_shape_first(studio, job, posting | {"shape": post_shape, "video": video, "fal_key": fal_key})
        if server_has_key:
            demo.load(handlers.allowance, outputs=allowance, queue=False, **PRIVATE)
            for paid in (job, compared, *posting["paid"]):  # what is left today, after anything that may pay
                paid.then(handlers.allowance, outputs=allowance, queue=False, **PRIVATE)
        # Stop cancels at fal and says what that means now; the job's own stream then ends with the same words.
        stop.click(
            handlers.stop, inputs=fal_key, outputs=status, concurrency_limit=None, show_progress="hidden", **PRIVATE
        ).then(interactive(False), outputs=stop, queue=False, **PRIVATE)
        player = {"video": video, "status": status, "last_run": last_run}
        history_events(demo, handlers, runs, player | {"fal_key": fal_key, "model": model})
        demo.load(None, js=PAGE_JS, **PRIVATE)
        agent_api(studio)
        typed = {"script": script, "voice": voice, "speak": speak, "script_estimate": script_estimate}
        script_flow(voice_handlers, typed | {"spoken": spoken, "audio": audio, "model": model, "fal_key": fal_key})
    return demo
