"""The page's event handlers: Gradio payloads into `Studio` calls, studio events into component updates.

Handlers take Gradio's raw file payloads (`preprocess=False`), so a file Gradio cannot decode still gets
the studio's sentence. Every `StudioError` becomes a `gr.Error` here (see `edge.py`) and nowhere else.
The public handlers' docstrings are what MCP clients (agents) read: they describe the tool.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from components.history.runs import pending_runs
from components.speech.voices import Script
from components.studio import Studio
from components.web import wording
from components.web.edge import (
    as_gradio_error,
    file_path,
    page_update,
    report,
    sentence,
    session_of,
    visitor_of,
)
from components.web.history_handlers import HistoryHandlers
from components.web.voice_handlers import VoiceHandlers


@dataclass(frozen=True)
class Handlers(HistoryHandlers):
    studio: Studio = field(repr=False)

    async def estimate_cost(
        self, audio: Any, model: str, options: Any = None, script: str = "", voice: str = ""
    ) -> str:
        """Estimate what a talking-avatar video will cost before making it. Free; nothing is sent to fal.

        Args:
            audio: The voice clip (MP3, WAV, M4A, AAC, OGG, FLAC or WebM; 2–300 s), as a file or data: URL.
            model: A model endpoint; the catalog tool lists every one with its price, e.g. "local/preview" (free).
            options: The model's options as a JSON object, e.g. {"resolution": "720p"}; the price may depend on them.
            script: Optional text to speak when no audio is given: the estimate is then the voice and the video.
            voice: The catalog voice for the script, e.g. "espeak:en-us" (free); see speak.

        Returns:
            A Markdown line: the clip's length, billed seconds × price = dollars, and why it would be refused.
        """
        if file_path(audio) is None:  # cleared, or the first half of a replacement: no alarm, no old price
            if (script or "").strip():  # the same total as the script's own panel: one number on the page
                return f"**Estimated cost:** {VoiceHandlers(self.studio).estimate_script(script, voice, model)}"
            return wording.NO_ESTIMATE
        with as_gradio_error():
            return wording.describe_quote(await self.studio.preflight.estimate(file_path(audio), model, options))

    async def readiness(
        self,
        image: Any,
        audio: Any,
        prompt: str,
        model: str,
        fal_key: str,
        skip_face_check: bool,
        options: Any,
        request: gr.Request,
        profile: gr.OAuthProfile | None,
        script: str = "",
    ) -> str:
        """One line under Generate: "Ready" only when every check Generate makes would pass, the owner's caps too."""
        preflight, paths = self.studio.preflight, (file_path(image), file_path(audio))
        if paths[1] is None and (script or "").strip():  # Generate speaks the script first
            return wording.readiness(preflight.missing(paths[0], "script", model, fal_key), None, True)
        missing = preflight.missing(*paths, model, fal_key)
        if missing:
            return wording.readiness(missing, None)
        spending = self.studio.spending_check(visitor_of(request, profile, self.studio.identities), model, fal_key)
        problem = await preflight.problem(*paths, prompt, model, bool(skip_face_check), spending, options)
        return wording.readiness(missing, problem)

    def allowance(self, request: gr.Request, profile: gr.OAuthProfile | None) -> str:
        """What is left today on the app's key for this visitor."""
        return wording.allowance(self.studio.allowance(visitor_of(request, profile, self.studio.identities)))

    async def generate(
        self,
        image: Any,
        audio: Any,
        prompt: str,
        model: str,
        fal_key: str,
        new_take: bool,
        request: gr.Request,
        profile: gr.OAuthProfile | None,
        script: str = "",
        voice: str = "",
        skip_face_check: bool = False,
        options: Any = None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio's own idiom: it injects the tracker
    ) -> AsyncIterator[tuple[Any, str, Any]]:
        """Make a talking-avatar video: the portrait lip-syncs to the voice clip. Takes minutes on Kling.

        Costs the model's price per second of audio (see estimate_cost), paid with the caller's fal_key,
        or, if it is empty, with the app's own key within the owner's daily caps. Identical inputs from
        the same payer return the earlier video at no cost unless new_take is true.

        Args:
            image: The portrait (JPEG, PNG, WebP, GIF, AVIF, BMP or TIFF; each side ≥ 300 px), as a file or data: URL.
            audio: The voice clip (2–300 s; over 60 s it runs as parts joined into one video), as a file or data: URL.
            prompt: Optional direction for the performance, up to 2,500 characters ("." for none).
            model: The model's endpoint, e.g. "fal-ai/kling-video/ai-avatar/v2/pro" or "local/preview" (free).
            fal_key: Your own fal.ai key (used for this call only, never stored); empty to use the app's key.
            new_take: True to make a new video (charged again) even if these exact inputs were made before.
            script: Optional text to speak when no audio is given (the voice is made first; see speak).
            voice: The catalog voice for the script, e.g. "espeak:en-us" (free), see speak.
            skip_face_check: True to send a portrait in which no face was found (the check misses stylised faces).
            options: The model's own options as a JSON object, e.g. {"resolution": "720p"} (see the README's Models).

        Returns:
            The MP4 video, a Markdown status with the billed seconds, the actual cost and the fal request id,
            and the run's record (model, seconds, cost, request id, file name).
        """
        try:
            visitor, voice_clip = visitor_of(request, profile, self.studio.identities), file_path(audio)
            # Generate straight from a typed script: the voice and the video are paid for as one request.
            typed = Script(script, voice) if not voice_clip and (script or "").strip() else None
            events = self.studio.generate(
                file_path(image),
                voice_clip,
                prompt,
                model,
                fal_key,
                visitor,
                bool(new_take),
                session_of(request),
                bool(skip_face_check),
                typed,
                options=options,
            )
            async with contextlib.aclosing(events):
                async for event in events:
                    report(progress, event)
                    yield page_update(event)
        except Exception as exc:
            said = sentence(exc, "generating")
            yield gr.skip(), wording.failed(said), gr.skip()
            # Said once on the page (the status line); API and MCP callers still receive it as the call's error.
            raise gr.Error(said, visible=False, print_exception=False) from None

    async def stop(self, fal_key: str, request: gr.Request) -> str:
        """Stop this page's job; the message says what that means at the stage it was in."""
        with as_gradio_error("stopping a job"):
            return wording.stopped(await self.studio.stop(session_of(request), fal_key))

    async def resume(
        self, history: list | None, fal_key: str, request: gr.Request, profile: gr.OAuthProfile | None
    ) -> AsyncIterator[tuple[Any, str, Any]]:
        """On page load: follow the newest run still pending at fal (after a reload or a restart) to its video."""
        pending = pending_runs(history)
        if not pending:  # said with a skip: a generator that yields nothing would blank the player and status
            yield gr.skip(), gr.skip(), gr.skip()
            return
        visitor = visitor_of(request, profile, self.studio.identities)
        try:
            async with contextlib.aclosing(self.studio.resume(pending[0].entry(), fal_key, visitor)) as events:
                async for event in events:
                    yield page_update(event)
        except Exception as exc:
            yield gr.skip(), wording.failed(sentence(exc, "resuming a job")), gr.skip()
