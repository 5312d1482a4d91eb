"""The "Ready to post" panel: captions and other shapes of the video in the player (layout and events).

`/captions` and `/reframe` are public: a run's request id (or a preview's name) or an uploaded video.
The panel follows the player: whatever video it shows (made, re-opened or recovered) is the one worked on.
Beside Make captions the panel says what captions of that video cost before anything is spent; once made,
they are shown as SRT text to edit, and the edits are what the downloads, the player and Reframe use.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from components.posting.framing import SHAPES
from components.studio import Studio
from components.web.post_handlers import PostHandlers
from components.web.video import PlayableVideo

PRIVATE: dict[str, Any] = {"api_visibility": "private"}


def post_panel(studio: Studio, inputs: dict[str, Any]) -> dict[str, Any]:
    """Inside the current Blocks: the panel and its events. `inputs`: video (the page's player), script, fal_key.
    Returns the panel, its shape (aspect) and its reframed video, for the shape chosen before Generate."""
    handlers, player = PostHandlers(studio), inputs["video"]
    with gr.Accordion("📣 Ready to post", open=False, elem_id="post_panel") as panel:
        gr.Markdown(
            "Captions and other shapes of the video in the player. Made on this server for **free**, captions "
            "timed from the voice and the script it was spoken from; a recorded or uploaded voice is heard by "
            "fal's speech-to-text instead, at the cost shown beside *Make captions*."
        )
        with gr.Row():
            run = gr.Textbox(label="Video (its run)", elem_id="post_run", interactive=False, scale=2)
            upload = gr.File(
                label="…or your own video", file_types=[".mp4", ".mov", ".webm"], elem_id="post_upload", scale=2
            )
        with gr.Row(equal_height=True):
            make_captions = gr.Button("Make captions", elem_id="make_captions", scale=1)
            cost = gr.Markdown(elem_id="captions_cost")
        with gr.Row():
            vtt = gr.File(label="Captions (WebVTT)", elem_id="captions_vtt", interactive=False)
            srt = gr.File(label="Captions (SRT)", elem_id="captions_srt", interactive=False)
        edits = gr.Textbox(
            value="",
            label="Edit the captions (times, then words; an empty line between captions)",
            lines=6,
            max_lines=20,
            elem_id="captions_edit",
        )
        save = gr.Button("Use my edits", elem_id="save_caption_edits", size="sm")
        with gr.Row():
            aspect = gr.Radio(list(SHAPES), value="9:16", label="Shape", elem_id="reframe_aspect")
            burn = gr.Checkbox(label="Burn the captions in", value=False, elem_id="burn_captions")
        reframe = gr.Button("Reframe", elem_id="reframe")
        reframed = PlayableVideo(label="Reframed video", interactive=False, elem_id="reframed", height=320)
    player.change(handlers.follow_player, inputs=player, outputs=run, preprocess=False, **PRIVATE)
    quoted = [run, upload, inputs["script"], inputs["fal_key"]]
    run.change(
        handlers.forget_other_runs,
        [run, vtt, srt, reframed],
        [edits, vtt, srt, reframed, burn, player],
        preprocess=False,
        **PRIVATE,
    )
    upload.change(handlers.forget_edits, None, edits, **PRIVATE)
    for video in (run, upload):
        video.change(handlers.quote, inputs=quoted, outputs=cost, preprocess=False, **PRIVATE)
    for words_or_key in (inputs["script"], inputs["fal_key"]):  # a script makes captions free, a key possible
        words_or_key.blur(handlers.quote, inputs=quoted, outputs=cost, preprocess=False, **PRIVATE)
    made = make_captions.click(
        handlers.captions,
        inputs=quoted,
        outputs=[vtt, srt],
        api_name="captions",
        preprocess=False,
        concurrency_limit=2,  # local work (or seconds at fal): a couple at once is what two cores carry
    )
    made.success(handlers.show_captions, [run, upload, vtt, player], player, preprocess=False, **PRIVATE)
    made.success(handlers.made, [vtt, srt], [edits, cost], preprocess=False, **PRIVATE)
    saved = save.click(
        handlers.save_edits, [run, upload, edits, inputs["fal_key"]], [vtt, srt, cost], preprocess=False, **PRIVATE
    )
    saved.success(handlers.show_captions, [run, upload, vtt, player], player, preprocess=False, **PRIVATE)
    reframed_event = reframe.click(
        handlers.reframe,
        inputs=[run, upload, aspect, burn, inputs["script"], inputs["fal_key"], edits],
        outputs=reframed,
        api_name="reframe",
        preprocess=False,
        concurrency_limit=1,
    )
    # The events that may pay (a recorded voice heard by fal): the page's allowance follows them.
    return {"panel": panel, "aspect": aspect, "reframed": reframed, "paid": [made, reframed_event]}
