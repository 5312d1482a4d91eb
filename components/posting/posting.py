"""Ready to post: captions and other shapes of a video this app showed the caller, made on this machine for $0.

A video is named by its run — a fal request id (a narration's too) or a preview's name, as the download
or the history shows it — and acted on only if the ledger's sightings say it was shown to this payer;
or it is the caller's own upload. Nothing is opened by a name the caller chose. Each call counts as the
visitor's free work, and every file made here lives in `<videos>/post`, swept by the disk budget with
the videos. A typed script is kept beside its run's video, so its captions can be made later.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from components.errors import InputRejected
from components.inputs.faces import find_faces
from components.posting import cues as timing
from components.posting.cue_edits import read_cues
from components.posting.framing import SHAPES, crop_for, to_ass
from components.posting.media import VOICE_RATE, decode_sound, grab_frame, probe_video, render_shape
from components.posting.naming import PREVIEW, digest, run_ref
from components.posting.transcripts import Transcripts, write_whole
from components.spending.access import NOT_YOURS

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.posting.cues import Cue
    from components.posting.media import VideoInfo
    from components.spending.identity import Visitor
    from components.spending.payer import Payer
    from components.studio import Studio

_RENDERS = threading.BoundedSemaphore(1)  # one ffmpeg render at a time: the machine is shared
FROM_SCRIPT = "Captions from the script: free, timed on this server from the voice."
EDITED = "Your edited captions: checked against the video and saved (free)."


@dataclass(frozen=True)
class Captioned:
    video: Path
    vtt: Path
    srt: Path
    cues: tuple[Cue, ...]
    note: str = ""  # where the words came from and what they cost (also a NOTE in the WebVTT file)


@dataclass(frozen=True)
class Posting:
    studio: Studio = field(repr=False)

    @property
    def folder(self) -> Path:
        return next(iter(self.studio.backends.values())).output_dir / "post"

    @property
    def transcripts(self) -> Transcripts:
        """A voice the app did not speak: heard by fal's speech-to-text (paid like a voice, once per video)."""
        hearer = next((b for b in self.studio.backends.values() if hasattr(b, "transcribe")), None)
        return Transcripts(self.studio.settings.captions, hearer, self.folder)

    def keep_script(self, video_name: str, text: str) -> None:
        """The script a run's voice was spoken from, kept beside its video for captions later."""
        self.folder.mkdir(parents=True, exist_ok=True)
        write_whole(self.folder / f"{Path(video_name).stem}.script.txt", text)

    def kept_script(self, stem: str) -> str | None:
        kept = self.folder / f"{stem}.script.txt"
        return kept.read_text(encoding="utf-8") if kept.is_file() else None

    async def video(self, ref: str | None, upload: str | None, payer: Payer) -> tuple[Path, str]:
        """The video to work on and the stem its files are named by: the caller's upload, else a shown run's."""
        if upload:
            content = await asyncio.to_thread(digest, Path(upload))
            return Path(upload), f"upload-{content}"
        if not (ref or "").strip():
            raise InputRejected("Choose a video: make one, open one from your runs, or upload one.")
        name = run_ref(ref)
        if not self.studio.ledger.sightings.visible_to(payer.id, [name]):
            raise InputRejected(NOT_YOURS)
        videos = self.folder.parent
        for local in (videos / f"{name}.mp4", videos / f"narration-{name}.mp4"):
            if local.is_file():
                return local, local.stem
        if PREVIEW.match(name):
            raise InputRejected("That preview is no longer on this server; make it again (it is free).")
        found = await self.studio.library.recover(name, None, payer)  # fal's stored result: free
        return found.video, found.video.stem

    async def captions(
        self, ref: str | None, upload: str | None, script: str | None, raw_key: str | None, visitor: Visitor
    ) -> Captioned:
        """WebVTT and SRT captions: a script's phrases on the voice's speech (free); without one (given or kept
        with the run), the voice heard by fal's speech-to-text, paid by the caller's payer once per video."""
        payer = self.studio.payer(visitor, raw_key)
        path, stem = await self.video(ref, upload, payer)
        text = (script or "").strip() or self.kept_script(stem)
        self.studio.free_work.take(visitor.id)
        info = await asyncio.to_thread(self._sounding, path)
        if text:
            placed, note = await asyncio.to_thread(self._place, path, info, text), ""
        else:
            heard = await self.transcripts.heard(path, stem, info.seconds, payer)
            if not heard.cues:
                raise InputRejected(f"No words were heard in the voice ({heard.describe()}).")
            placed, note = list(heard.cues), heard.describe()
        return await self._written(path, stem, placed, note)

    async def quote(
        self, ref: str | None, upload: str | None, script: str | None, raw_key: str | None, visitor: Visitor
    ) -> str:
        """What Make captions would cost for this video, said before it is pressed."""
        payer = self.studio.payer(visitor, raw_key)
        path, stem = await self.video(ref, upload, payer)
        if (script or "").strip() or self.kept_script(stem):
            return FROM_SCRIPT
        info = await asyncio.to_thread(self._sounding, path)
        return self.transcripts.quote(stem, info.seconds, payer)

    async def edited(
        self, ref: str | None, upload: str | None, text: str, raw_key: str | None, visitor: Visitor
    ) -> Captioned:
        """The visitor's edits, checked against the video, become its captions' files. Free."""
        path, stem = await self.video(ref, upload, self.studio.payer(visitor, raw_key))
        self.studio.free_work.take(visitor.id)
        cues = read_cues(text, (await asyncio.to_thread(self._checked, path)).seconds)
        return await self._written(path, stem, cues, EDITED)

    async def _written(self, path: Path, stem: str, cues: list[Cue], note: str) -> Captioned:
        self.folder.mkdir(parents=True, exist_ok=True)
        vtt, srt = self.folder / f"{stem}.vtt", self.folder / f"{stem}.srt"
        write_whole(vtt, timing.to_vtt(cues, note or None))
        write_whole(srt, timing.to_srt(cues))
        await asyncio.to_thread(self.studio.disk.sweep)
        return Captioned(path, vtt, srt, tuple(cues), note)

    async def reframe(
        self,
        ref: str | None,
        upload: str | None,
        shape: str,
        raw_key: str | None,
        visitor: Visitor,
        burn_captions: bool = False,
        script: str | None = None,
        edited: str | None = None,
    ) -> Path:
        """The video in `shape` (9:16, 1:1 or 16:9) around the face, captions burned in if asked — the `edited`
        ones (SRT or WebVTT text) when given, else those Make captions makes. Free."""
        if shape not in SHAPES:
            raise InputRejected(f"Choose a shape among {', '.join(SHAPES)}.")
        ass = None
        if burn_captions and (edited or "").strip():
            captioned = await self.edited(ref, upload, edited or "", raw_key, visitor)
            path, stem, ass = captioned.video, captioned.vtt.stem, to_ass(list(captioned.cues), shape)
        elif burn_captions:
            captioned = await self.captions(ref, upload, script, raw_key, visitor)
            path, stem, ass = captioned.video, captioned.vtt.stem, to_ass(list(captioned.cues), shape)
        else:
            path, stem = await self.video(ref, upload, self.studio.payer(visitor, raw_key))
        self.studio.free_work.take(visitor.id)
        mark = f"-captioned-{hashlib.sha256(ass.encode()).hexdigest()[:8]}" if ass else ""
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"{stem}-{shape.replace(':', 'x')}{mark}.mp4"
        if not target.is_file():  # the same video, shape and captions were made before: the same file
            await asyncio.to_thread(self._render, path, shape, target, ass)
        await asyncio.to_thread(self.studio.disk.sweep)
        return target

    def _place(self, video: Path, info: VideoInfo, text: str) -> list[Cue]:
        spans = timing.speech_spans(decode_sound(video, info.seconds + 1), VOICE_RATE)
        if not spans:
            raise InputRejected("No voice was heard in that video, so captions cannot be timed.")
        return timing.place(timing.phrases(text), spans, info.seconds)

    def _sounding(self, video: Path) -> VideoInfo:
        info = self._checked(video)
        if not info.has_sound:
            raise InputRejected("That video has no sound, so there is no voice to caption.")
        return info

    def _render(self, video: Path, shape: str, target: Path, ass: str | None) -> None:
        info = self._checked(video)
        faces = find_faces(grab_frame(video, min(1.0, info.seconds / 2)))
        crop = crop_for((info.width, info.height), faces[0].box if faces else None, shape)
        with _RENDERS:
            render_shape(video, info, crop, shape, target, ass)

    def _checked(self, video: Path) -> VideoInfo:
        """Bounded work: no longer than the longest narration, no larger than 4K."""
        info = probe_video(video)
        longest = max(model.limits.audio.max_total_seconds for model in self.studio.settings.models)
        if info.seconds > longest + 5 or max(info.width, info.height) > 4096:
            raise InputRejected(f"This works on videos up to {longest:g} s and 4096 px on a side.")
        return info
