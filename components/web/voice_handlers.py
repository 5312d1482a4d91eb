"""The "Type a script" panel: speak a script into a voice clip, and its combined estimate."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from components.errors import StudioError
from components.inputs.audio_probe import probe_header
from components.spending.pricing import format_cost
from components.studio import Studio
from components.web.edge import as_gradio_error, visitor_of


@dataclass(frozen=True)
class VoiceHandlers:
    studio: Studio = field(repr=False)

    async def speak(
        self, text: str, voice: str, fal_key: str, request: gr.Request, profile: gr.OAuthProfile | None
    ) -> tuple[Any, str]:
        """Turn a typed script into a voice clip, to use as the audio of generate (over 60 s, a narration in
        parts). Checked first: a script that is empty, too long for the voice, or longer than 300 s once
        spoken is refused and costs nothing. The offline voice is free but counts toward a per-minute limit.

        Args:
            text: The script to speak, in plain words.
            voice: A catalog voice id with its price in the catalog tool, e.g. "espeak:en-us" (offline, free).
            fal_key: Your own fal.ai key for a fal voice (used for this call only); empty to use the app's key.

        Returns:
            The spoken audio file (MP3), and a line with its length and what it cost.
        """
        with as_gradio_error("speaking a script"):
            payer = self.studio.payer(visitor_of(request, profile, self.studio.identities), fal_key)
            model = self.studio.settings.model(self.studio.settings.default_model)
            spoken = await self.studio.voices.speak(text, voice, payer, model)
            header = probe_header(spoken.path)
            length = f"{header.seconds:.1f} s" if header is not None else "ready"
            cost = format_cost(spoken.cost)
            return str(spoken.path), (
                f"🔊 Spoken: {length} · the voice: {cost}. Listen to it here; Generate animates it "
                "(the estimate is now the video's)."
            )

    def speaking(self, voice: str) -> str:
        """The line while Speak runs: a voice on fal takes a while, and the page must say it is working."""
        try:
            paid = self.studio.voices.resolve(voice)[0].paid
        except StudioError:
            paid = False
        wait = "a voice on fal takes about 20 s" if paid else "the offline voice takes a few seconds"
        return f"⏳ Speaking the script… {wait}."

    def estimate_script(self, text: str, voice: str, model: str) -> str:
        """The script's cost and the video's estimate from its spoken length, as one total."""
        if not (text or "").strip():
            return "Type a script to see what the voice and the video would cost."
        try:
            voices = self.studio.voices
            engine, _ = voices.resolve(voice)
            return voices.quote(text, voice, self.studio.settings.model(model)).describe(engine)
        except StudioError as exc:  # a refusal is the estimate's answer: say it here, spend nothing
            return f"⚠️ {exc}"

    def choices(self) -> list[tuple[str, str]]:
        return self.studio.voices.choices()
