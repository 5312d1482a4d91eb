"""What a caller may name a video by: a run's request id or a preview's name (as the download or the history
shows it), or the content of their own upload. Never a path: nothing is opened by a name the caller chose."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from components.history.runs import check_request_id

PREVIEW = re.compile(r"^preview-[0-9a-f]{12}$")
_DOWNLOAD = re.compile(r"^kling-avatar-studio-\d{4}-\d\d-\d\d-\d{4}-")  # PlayableVideo's download name


def run_ref(text: str | None) -> str:
    """A request id or a preview's name from what a caller may hold: the id, the file name, the download's name."""
    name = _DOWNLOAD.sub("", Path((text or "").strip()).name.removesuffix(".mp4")).removeprefix("narration-")
    return name if PREVIEW.match(name) else check_request_id(name)


def digest(path: Path) -> str:
    """An upload's files are named by its content."""
    found = hashlib.sha256()
    with open(path, "rb") as source:
        while chunk := source.read(1 << 20):
            found.update(chunk)
    return found.hexdigest()[:16]
