"""The "Ready to post" panel: captions and other shapes of the video in the player (layout, events, handlers).

`/captions` and `/reframe` are public: a run's request id (or a preview's name) or an uploaded video.
The panel follows the player: whatever video it shows (made, re-opened or recovered) is the one worked on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from components.errors import InputRejected
from components.posting.framing import SHAPES
from components.posting.posting import run_ref
from components.studio import Studio
from components.web.edge import as_gradio_error, file_path, visitor_of
from components.web.video import PlayableVideo

PRIVATE: dict[str, Any] = {"api_visibility": "private"}


@dataclass(frozen=True)
class PostHandlers:
    studio: Studio = field(repr=False)

    async def captions(
        self,
        run: str,
        video: Any,
        script: str,
        fal_key: str,
        request: gr.Request,
        profile: gr.OAuthProfile | None,
    ) -> tuple[str, str]:
        """Timed captions (WebVTT and SRT) for a video this app made for you, or one you upload. Free.

        Args:
            run: The run's fal request id, or a preview's video name (e.g. "preview-0123456789ab.mp4"); or empty.
            video: Your own video (MP4, MOV or WebM) instead of a run, as a file or data: URL.
            script: The words the voice says; empty for the script the run was spoken from.
            fal_key: Your own fal.ai key, if the run was made with it; empty for the app's key.

        Returns:
            The captions as a WebVTT file and as an SRT file.
        """
        with as_gradio_error("making captions"):
            visitor = visitor_of(request, profile, self.studio.identities)
            made = await self.studio.posting.captions(run, file_path(video), script, fal_key, visitor)
            return str(made.vtt), str(made.srt)

    async def reframe(
        self,
        run: str,
        video: Any,
        aspect: str,
        burn_captions: bool,
        script: str,
        fal_key: str,
        request: gr.Request,
        profile: gr.OAuthProfile | None,
    ) -> str:
        """The video in another shape (9:16, 1:1 or 16:9) framed around the face, as an MP4. Free.

        Args:
            run: The run's fal request id, or a preview's video name (e.g. "preview-0123456789ab.mp4"); or empty.
            video: Your own video (MP4, MOV or WebM) instead of a run, as a file or data: URL.
            aspect: "9:16" (stories, reels, shorts), "1:1" (feeds) or "16:9" (landscape).
            burn_captions: True to burn the captions into the picture (bottom-centred, inside the safe area).
            script: The words the voice says, for burned captions; empty for the run's own script.
            fal_key: Your own fal.ai key, if the run was made with it; empty for the app's key.

        Returns:
            The MP4 in that shape, as long as the original, with its sound.
        """
        with as_gradio_error("reframing"):
            visitor = visitor_of(request, profile, self.studio.identities)
            return str(
                await self.studio.posting.reframe(
                    run, file_path(video), aspect, fal_key, visitor, bool(burn_captions), script
                )
            )

    def follow_player(self, shown: Any) -> str:
        """The run of the video in the player, from the name it is served under (checked again when used)."""
        name = shown.get("orig_name") if isinstance(shown, dict) else None
        try:
            return run_ref(name) if name else ""
        except InputRejected:  # a video this app did not name: nothing to work on
            return ""

    def show_captions(self, run: str, video: Any, vtt: Any, player: Any) -> Any:
        """Soft subtitles in the page's player, when the captions are for the video it shows."""
        if file_path(video) or not file_path(vtt) or not player:
            return gr.skip()
        return gr.update(subtitles=file_path(vtt))


def post_panel(studio: Studio, inputs: dict[str, Any]) -> dict[str, Any]:
    """Inside the current Blocks: the panel and its events. `inputs`: video (the page's player), script, fal_key.
    Returns the panel, its shape (aspect) and its reframed video, for the shape chosen before Generate."""
    handlers, player = PostHandlers(studio), inputs["video"]
    with gr.Accordion("📣 Ready to post", open=False, elem_id="post_panel") as panel:
        gr.Markdown(
            "Captions and other shapes of the video in the player, made on this server: **free**. "
            "Captions are timed from the voice and the script it was spoken from."
        )
        with gr.Row():
            run = gr.Textbox(label="Video (its run)", elem_id="post_run", interactive=False, scale=2)
            upload = gr.File(
                label="…or your own video", file_types=[".mp4", ".mov", ".webm"], elem_id="post_upload", scale=2
            )
        make_captions = gr.Button("Make captions", elem_id="make_captions")
        with gr.Row():
            vtt = gr.File(label="Captions (WebVTT)", elem_id="captions_vtt", interactive=False)
            srt = gr.File(label="Captions (SRT)", elem_id="captions_srt", interactive=False)
        with gr.Row():
            aspect = gr.Radio(list(SHAPES), value="9:16", label="Shape", elem_id="reframe_aspect")
            burn = gr.Checkbox(label="Burn the captions in", value=False, elem_id="burn_captions")
        reframe = gr.Button("Reframe", elem_id="reframe")
        reframed = PlayableVideo(label="Reframed video", interactive=False, elem_id="reframed", height=320)
    player.change(handlers.follow_player, inputs=player, outputs=run, preprocess=False, **PRIVATE)
    made = make_captions.click(
        handlers.captions,
        inputs=[run, upload, inputs["script"], inputs["fal_key"]],
        outputs=[vtt, srt],
        api_name="captions",
        preprocess=False,
        concurrency_limit=2,  # local work: a couple at once is what two cores carry
    )
    made.success(handlers.show_captions, [run, upload, vtt, player], player, preprocess=False, **PRIVATE)
    reframe.click(
        handlers.reframe,
        inputs=[run, upload, aspect, burn, inputs["script"], inputs["fal_key"]],
        outputs=reframed,
        api_name="reframe",
        preprocess=False,
        concurrency_limit=1,
    )
    return {"panel": panel, "aspect": aspect, "reframed": reframed}
