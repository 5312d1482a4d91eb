"""Save before paying: under the estimate, the voice's long silences and what trimming them saves, and a button.

The offer follows the voice clip (uploaded, recorded or spoken from a script), the model and its options; the
button puts the trimmed clip in the voice's place, so the estimate, the readiness line and Generate go on
from it as from any clip. `/trim_silence` is the same button for agents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from components.errors import StudioError
from components.inputs.trimming import TRIMMED_PREFIX, SilenceMemo, Trimming
from components.studio import Studio
from components.web.edge import as_gradio_error, file_path, visitor_of

PRIVATE: dict[str, Any] = {"api_visibility": "private"}


@dataclass(frozen=True)
class TrimHandlers:
    studio: Studio = field(repr=False)
    memo: SilenceMemo = field(default_factory=SilenceMemo, repr=False)  # one decode per clip for its offer

    async def offer(self, audio: Any, model: str, options: Any) -> tuple[Any, Any]:
        """The line under the estimate (as recorded · trimmed) and the button, or neither."""
        hidden = gr.update(visible=False)
        try:
            offer = await Trimming(self.studio, self.memo).offer(file_path(audio), model, options)
        except (StudioError, OSError):  # the estimate above says what is wrong with the clip (or that it is gone)
            offer = None
        if offer is None:  # after a trim the line says what trimming did, until the voice changes again
            return gr.skip() if _is_trimmed(audio) else gr.update(value="", visible=False), hidden
        return gr.update(value=offer.both(), visible=True), gr.update(value=offer.button(), visible=True)

    async def trim_silence(
        self,
        audio: Any,
        model: str,
        options: Any,
        request: gr.Request,
        profile: gr.OAuthProfile | None,
    ) -> tuple[str, str]:
        """Shorten a voice clip's long silences before paying for a video of it: a lead-in and a tail keep
        0.25 s next to the speech, a pause over 1 s becomes a natural 0.6 s. Free (done on this server);
        the video of the trimmed clip is billed on its shorter length.

        Args:
            audio: The voice clip (MP3, WAV, M4A, AAC, OGG, FLAC or WebM), as a file or data: URL.
            model: The model the video will be made with, for the saving, e.g. "fal-ai/kling-video/ai-avatar/v2/pro".
            options: That model's options as a JSON object, e.g. {"resolution": "720p"}; the price may depend on them.

        Returns:
            The trimmed clip (a WAV; the clip unchanged when nothing is worth trimming), and one line saying what
            was cut and what it saves on that model's price.
        """
        with as_gradio_error("trimming silence"):
            visitor = visitor_of(request, profile, self.studio.identities)
            endpoint = model or self.studio.settings.default_model
            trimmed, said = await Trimming(self.studio, self.memo).trim(file_path(audio), endpoint, options, visitor)
            return str(trimmed), said


def _is_trimmed(audio: Any) -> bool:
    name = (audio.get("orig_name") if isinstance(audio, dict) else None) or ""
    return name.startswith(TRIMMED_PREFIX)


def trim_panel(studio: Studio, audio: gr.Audio, model: gr.Dropdown, options: Any) -> None:
    """Inside the current Blocks, right under the estimate: the offer's line, its button and their events."""
    handlers = TrimHandlers(studio)
    line = gr.Markdown(visible=False, elem_id="trim_offer")
    button = gr.Button(visible=False, size="sm", elem_id="trim_silence")
    gr.on(
        [audio.change, model.change, options.change],
        handlers.offer,
        inputs=[audio, model, options],
        outputs=[line, button],
        preprocess=False,
        show_progress="hidden",
        trigger_mode="always_last",
        concurrency_limit=2,  # a decode each: what two cores carry beside the estimate
        **PRIVATE,
    )
    button.click(
        handlers.trim_silence,
        inputs=[audio, model, options],
        outputs=[audio, line],
        api_name="trim_silence",
        preprocess=False,
        concurrency_limit=2,
    )
