"""The shape to post, chosen before Generate: the finished run then offers that shape first.

When a run finishes with a shape chosen, the "Ready to post" panel opens with its shape set to it and the
reframed copy made and shown (a download), through the panel's own `/reframe` handler — the same access check
(only a video this app showed the caller), free-work count and disk budget as pressing Reframe there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from components.posting.framing import SHAPES
from components.studio import Studio
from components.web.post_handlers import PostHandlers

AS_MADE = "as made"
PRIVATE: dict[str, Any] = {"api_visibility": "private"}


def shape_choice() -> gr.Radio:
    """Inside the current Blocks, near Generate."""
    return gr.Radio(
        [AS_MADE, *SHAPES],
        value=AS_MADE,
        label="Shape to post",
        info="9:16 for stories and reels, 1:1 for feeds, 16:9 for landscape: made free once the video is done.",
        elem_id="post_shape",
    )


@dataclass(frozen=True)
class ShapeFirst:
    studio: Studio = field(repr=False)

    async def reframe_finished(
        self, shape: str, shown: Any, fal_key: str, request: gr.Request, profile: gr.OAuthProfile | None
    ) -> tuple[Any, Any, Any]:
        """The panel opened on the chosen shape with its copy made; nothing when the video is kept as made."""
        posting = PostHandlers(self.studio)
        run = posting.follow_player(shown)
        if shape not in SHAPES or not run:
            return gr.skip(), gr.skip(), gr.skip()
        made = await posting.reframe(run, None, shape, False, "", fal_key, "", request, profile)
        return gr.update(open=True), shape, made


def offer_shape_first(studio: Studio, finished: Any, parts: dict[str, Any]) -> None:
    """`finished`: Generate's event. `parts`: shape (the choice), video (the player), fal_key, and the post
    panel's panel, aspect and reframed."""
    finished.success(
        ShapeFirst(studio).reframe_finished,
        inputs=[parts["shape"], parts["video"], parts["fal_key"]],
        outputs=[parts["panel"], parts["aspect"], parts["reframed"]],
        preprocess=False,
        concurrency_limit=1,  # the panel's own Reframe renders one at a time too
        **PRIVATE,
    )
