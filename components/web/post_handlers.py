"""The "Ready to post" panel's handlers: `/captions` and `/reframe` (public), and the page's own private steps —
the captions' cost before Make captions, the made captions shown for editing, the edits saved."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gradio as gr

from components.errors import InputRejected, StudioError
from components.posting.posting import FROM_SCRIPT, run_ref
from components.studio import Studio
from components.web.edge import as_gradio_error, file_path, sentence, visitor_of
from components.web.escape import plain


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
        """Timed captions (WebVTT and SRT) for a video this app made for you, or one you upload.

        From a script (the run's own, or given): free. Without one, the voice is heard by fal's speech-to-text,
        paid like a voice on your key or the app's (within its caps), once per video; the WebVTT file's NOTE
        line says what it cost and fal's request id.

        Args:
            run: The run's fal request id, or a preview's video name (e.g. "preview-0123456789ab.mp4"); or empty.
            video: Your own video (MP4, MOV or WebM) instead of a run, as a file or data: URL.
            script: The words the voice says; empty for the script the run was spoken from, or to transcribe it.
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
        captions: str,
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
            captions: Your edited captions (SRT or WebVTT text) to burn in; empty for those Make captions makes.

        Returns:
            The MP4 in that shape, as long as the original, with its sound.
        """
        with as_gradio_error("reframing"):
            visitor = visitor_of(request, profile, self.studio.identities)
            shaped = await self.studio.posting.reframe(
                run, file_path(video), aspect, fal_key, visitor, bool(burn_captions), script, captions
            )
            return str(shaped)

    async def quote(
        self, run: str, video: Any, script: str, fal_key: str, request: gr.Request, profile: gr.OAuthProfile | None
    ) -> str:
        """Beside Make captions: what captions of this video would cost, before anything is spent."""
        if not (run or file_path(video)):
            return ""
        try:
            visitor = visitor_of(request, profile, self.studio.identities)
            said = await self.studio.posting.quote(run, file_path(video), script, fal_key, visitor)
        except StudioError as exc:
            said = sentence(exc, "quoting captions")
        return plain(said)

    def forget_edits(self) -> str:
        """Another video: the editor empties, so no edit is ever burned into a video it was not made for."""
        return ""

    def forget_other_runs(self, run: str, vtt: Any, srt: Any, reframed: Any) -> tuple[Any, ...]:
        """Another run in the player: captions and a reframed copy made for an earlier one go, from the downloads
        and the player alike, and burning starts unticked (burning captions of a new voice may be paid)."""
        captions_stale = _made_for_other(vtt, run) or _made_for_other(srt, run)
        return (
            "",
            None if captions_stale else gr.skip(),
            None if captions_stale else gr.skip(),
            None if _made_for_other(reframed, run) else gr.skip(),
            False,
            gr.update(subtitles=[]) if captions_stale else gr.skip(),  # no cues: None would leave the old track
        )

    def made(self, vtt: Any, srt: Any) -> tuple[str, str]:
        """The made captions, as SRT text to edit, and where they came from (the WebVTT file's NOTE)."""
        if not file_path(srt) or not file_path(vtt):
            return gr.skip(), gr.skip()
        notes = [
            line[5:] for line in Path(file_path(vtt)).read_text(encoding="utf-8").splitlines() if line[:5] == "NOTE "
        ]
        return Path(file_path(srt)).read_text(encoding="utf-8"), plain(notes[0] if notes else FROM_SCRIPT)

    async def save_edits(
        self, run: str, video: Any, text: str, fal_key: str, request: gr.Request, profile: gr.OAuthProfile | None
    ) -> tuple[str, str, str]:
        """The edits become the downloads and the player's subtitles (checked first; refused with a sentence)."""
        with as_gradio_error("saving the edited captions"):
            visitor = visitor_of(request, profile, self.studio.identities)
            saved = await self.studio.posting.edited(run, file_path(video), text, fal_key, visitor)
            return str(saved.vtt), str(saved.srt), plain(saved.note)

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


def _made_for_other(made: Any, run: str) -> bool:
    """A file the panel made (named `<run>.vtt`, `<run>-9x16.mp4`…) for a run other than `run`."""
    path = file_path(made)
    if not path:
        return False
    name = (made.get("orig_name") if isinstance(made, dict) else None) or Path(path).name
    return not (run and re.search(rf"(^|[-_.]){re.escape(run)}([-_.]|$)", name))
