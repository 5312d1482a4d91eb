"""The typed-script flow's events: its total as it is typed, and Speak — a progress line while the voice
renders, then the spoken voice in a player right in the script tab (listen before paying for a video), and
in the voice clip, so Generate and the estimate go on from it as from any clip."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import gradio as gr

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.web.voice_handlers import VoiceHandlers

PRIVATE: dict[str, Any] = {"api_visibility": "private"}


def same(clip: Any) -> Any:
    return clip


def script_flow(handlers: VoiceHandlers, parts: dict[str, Any]) -> None:
    """`parts`: script, voice, speak, script_estimate, spoken (the player), audio, model, fal_key."""
    script, voice, model, said = parts["script"], parts["voice"], parts["model"], parts["script_estimate"]
    gr.on(
        [script.change, voice.change, model.change],
        handlers.estimate_script,
        inputs=[script, voice, model],
        outputs=said,
        show_progress="hidden",
        trigger_mode="always_last",
        **PRIVATE,
    )
    started = parts["speak"].click(handlers.speaking, inputs=voice, outputs=said, queue=False, **PRIVATE)
    spoken = started.then(handlers.speak, [script, voice, parts["fal_key"]], [parts["audio"], said], api_name="speak")
    spoken.success(same, inputs=parts["audio"], outputs=parts["spoken"], **PRIVATE)
    # A refused script says why in a toast; the line goes back to the script's estimate, not a stale "Speaking…".
    spoken.failure(handlers.estimate_script, inputs=[script, voice, model], outputs=said, **PRIVATE)
