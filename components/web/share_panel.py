"""Share: a link that plays the video in the player for anyone who has it (layout, events, handlers).

`/share` is public (a run's request id or a preview's name → the link). The link is the page's own address
with `?share=<token>`; the page reads it when it loads and plays that video, with its captions if any.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gradio as gr
from gradio import route_utils

from components.errors import StudioError
from components.sharing.sharing import Sharing
from components.studio import Studio
from components.web.edge import as_gradio_error, sentence, visitor_of
from components.web.escape import plain
from components.web.post_handlers import PostHandlers

PRIVATE: dict[str, Any] = {"api_visibility": "private"}
SHARED = "📼 **A video shared with you.** Made with Kling Avatar Studio: make your own with the inputs above."


@dataclass(frozen=True)
class ShareHandlers:
    studio: Studio = field(repr=False)
    sharing: Sharing = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sharing", Sharing(self.studio))

    async def share(self, run: str, fal_key: str, request: gr.Request, profile: gr.OAuthProfile | None) -> str:
        """A link that plays a video this app made for you, for anyone who has the link. Free.

        The video (and its captions, if made) plays until this server deletes it (after some days, or sooner
        when its disk is full). Only the caller the video was shown to may share it.

        Args:
            run: The run's fal request id, or a preview's video name (e.g. "preview-0123456789ab.mp4").
            fal_key: Your own fal.ai key, if the run was made with it; empty for the app's key.

        Returns:
            The link: this app's address with ?share= and an unguessable token.
        """
        with as_gradio_error("making a share link"):
            visitor = visitor_of(request, profile, self.studio.identities)
            token = await self.sharing.make(run, fal_key, visitor)
            return f"{page_address(request)}/?share={token}"

    def open_link(self, request: gr.Request) -> tuple[Any, Any]:
        """On page load: `?share=<token>` plays that video; anything wrong with it is said in a sentence."""
        token = dict(request.query_params).get("share") if request is not None else None
        if token is None:
            return gr.skip(), gr.skip()
        try:
            shared = self.sharing.open(token)
        except StudioError as exc:
            return gr.skip(), f"🔗 {plain(sentence(exc, 'opening a share link'))}"
        captions = str(shared.captions) if shared.captions else None
        return gr.update(value=str(shared.video), subtitles=captions), SHARED


def page_address(request: gr.Request) -> str:
    """The page's public address, as Gradio works out its own (a proxy's forwarded host and scheme included)."""
    raw = getattr(request, "request", None)
    if raw is not None:
        return route_utils.get_root_url(raw, raw.url.path, None)
    return f"http://{dict(request.headers).get('host', 'localhost')}"


def share_panel(studio: Studio, demo: gr.Blocks, inputs: dict[str, Any]) -> None:
    """Beside the player: Share and its link (shown only when the owner allows sharing), and the link's opening.
    `inputs`: video (the page's player), status, fal_key."""
    handlers, player = ShareHandlers(studio), inputs["video"]
    with gr.Row(visible=studio.settings.sharing_enabled, equal_height=False):
        share = gr.Button("🔗 Share", elem_id="share", scale=1, min_width=100)
        link = gr.Textbox(
            label="Link to share",
            placeholder="Press Share for a link to this video",  # one line: a longer hint is cut off
            elem_id="share_link",
            interactive=False,
            buttons=["copy"],
            scale=4,
        )
    run = gr.Textbox(visible=False, label="Video (its run)")
    player.change(PostHandlers(studio).follow_player, inputs=player, outputs=run, preprocess=False, **PRIVATE)
    # A link belongs to the video it was made for: another video in the player clears it.
    player.change(lambda: "", outputs=link, queue=False, show_progress="hidden", **PRIVATE)
    share.click(handlers.share, inputs=[run, inputs["fal_key"]], outputs=link, api_name="share")
    demo.load(handlers.open_link, outputs=[player, inputs["status"]], **PRIVATE)
