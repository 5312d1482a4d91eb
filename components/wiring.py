"""Events of the page, each with its `api_name` (the public API) or kept private."""

from __future__ import annotations

import gradio as gr

from components.handlers import Handlers
from components.history_handlers import HistoryHandlers
from components.settings import Settings
from components.ui import Page


def wire(demo: gr.Blocks, page: Page, settings: Settings, handlers: Handlers, history: HistoryHandlers) -> None:
    # After a recording both .change and .stop_recording fire: .change alone is enough.
    gr.on(
        [page.audio.change, page.model.change],
        handlers.estimate_cost,
        inputs=[page.audio, page.model],
        outputs=page.estimate,
        api_name="estimate_cost",
        preprocess=False,
        show_progress="hidden",
    )
    gr.on(
        [demo.load, page.image.change, page.audio.change, page.model.change, page.fal_key.change],
        handlers.readiness,
        inputs=[page.image, page.audio, page.model, page.fal_key],
        outputs=page.readiness,
        api_visibility="private",
        preprocess=False,
        show_progress="hidden",
        queue=False,
    )
    # Stop can be pressed only while a job runs: enabled first, then the job, then disabled.
    started = page.generate.click(_stop_enabled(True), outputs=page.stop, api_visibility="private", queue=False)
    job = started.then(
        handlers.generate,
        inputs=[page.image, page.audio, page.prompt, page.model, page.fal_key, page.spent],
        outputs=[page.video, page.status, page.last_run],
        api_name="generate",
        preprocess=False,
        concurrency_limit=settings.jobs.max_concurrent,
        concurrency_id="generate",
        show_progress_on=[page.video],
    )
    job.success(history.remember, [page.history, page.last_run], [page.history, page.history_list], api_visibility="private")
    job.then(_stop_enabled(False), outputs=page.stop, api_visibility="private", queue=False)
    # Cancel first, then say so: a progress update still in flight cannot overwrite the message.
    page.stop.click(None, cancels=[job], api_visibility="private").then(
        handlers.stopped, outputs=page.status, api_visibility="private", queue=False
    ).then(_stop_enabled(False), outputs=page.stop, api_visibility="private", queue=False)
    _wire_history(demo, page, history)


def _wire_history(demo: gr.Blocks, page: Page, history: HistoryHandlers) -> None:
    demo.load(history.choices, inputs=page.history, outputs=page.history_list, api_visibility="private")
    page.reopen.click(
        history.reopen,
        inputs=[page.history, page.history_list, page.fal_key],
        outputs=[page.video, page.status],
        api_visibility="private",
    )
    recovered = page.recover.click(
        history.recover,
        inputs=[page.request_id, page.model, page.fal_key],
        outputs=[page.video, page.status, page.last_run],
        api_name="recover",
    )
    recovered.success(history.remember, [page.history, page.last_run], [page.history, page.history_list], api_visibility="private")


def _stop_enabled(enabled: bool):
    def update():
        return gr.update(interactive=enabled)

    return update
