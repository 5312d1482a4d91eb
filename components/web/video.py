"""The video players: Gradio's, minus one ffprobe run per video the app already knows is playable.

`gr.Video` probes every returned file with ffprobe (`video_is_playable`) to decide whether to
convert it. The videos this app returns are MP4s from Kling, the preview or the narration join;
an MP4 whose sample description says H.264 (`avc1`) is what that probe accepts, and reading those
bytes here costs no child process. Anything else still goes through Gradio's own path.
"""

from __future__ import annotations

import hashlib
import hmac
import mmap
import os
import secrets
import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import gradio as gr
from gradio.data_classes import FileData

_COPY_KEY = secrets.token_bytes(32)  # drawn at import, never changed: the copies' folder names


def is_h264_mp4(path: Path) -> bool:
    """An ISO MP4 (`ftyp` first) with an H.264 sample entry (`avc1`) in its boxes."""
    try:
        with open(path, "rb") as source, mmap.mmap(source.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return path.suffix.lower() == ".mp4" and data[4:8] == b"ftyp" and data.find(b"avc1") != -1
    except (OSError, ValueError):  # missing, unreadable or empty: Gradio's path says what is wrong
        return False


class PlayableVideo(gr.Video):
    """A subclass, not a patched instance: Gradio re-creates an updated component from its class for the
    session, and a patched method would be lost. (Gradio writes a `.pyi` stub beside this module at import,
    as for any component subclass; it is git-ignored, and a read-only install only skips it.)"""

    # Gradio's mark for a subclass that the browser draws with its base's component (gr.Video's).
    is_template = True

    def postprocess(self, value: Any) -> FileData | None:
        if isinstance(value, (str, Path)) and is_h264_mp4(Path(value)):
            named = self._named_copy(Path(value))
            return FileData(path=str(named), orig_name=named.name)
        return super().postprocess(value)

    def _named_copy(self, video: Path) -> Path:
        """The video in Gradio's cache under its download name. The browser saves a file under the name the
        server sends (Content-Disposition, from the served file's own name), which beats the link's `download`
        attribute; Gradio serves a file already in its cache as it is, so this link is the copy it would make."""
        named = Path(self.GRADIO_CACHE) / _unguessable(video.stem) / download_name(video)
        if not (named.is_file() and named.stat().st_size == video.stat().st_size):
            named.parent.mkdir(parents=True, exist_ok=True)
            named.unlink(missing_ok=True)
            try:
                os.link(video, named)  # no second copy on disk
            except OSError:  # another file system, or links not allowed
                shutil.copyfile(video, named)
        return named


def _unguessable(stem: str) -> str:
    """The copy's folder: Gradio serves any file in its cache to whoever names its path, and a request id with a
    minute of the day would name it. Keyed by a secret this process draws once, so only a page shown it knows it."""
    return "named-" + hmac.new(_COPY_KEY, stem.encode(), hashlib.sha256).hexdigest()[:32]


def download_name(video: Path) -> str:
    """What the browser saves it as: the app, when it was made (UTC) and its request id, not a bare id."""
    made = datetime.fromtimestamp(video.stat().st_mtime, timezone.utc)
    return f"kling-avatar-studio-{made:%Y-%m-%d-%H%M}-{video.stem}.mp4"
