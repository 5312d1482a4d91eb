"""Folders the app writes, and keeping them bounded.

The data folder (the ledger) is `KLING_STUDIO_DATA`, else a Space's persistent
`/data` when it is writable, else the user's cache folder. Every folder is
checked at start-up, so a read-only disk stops the app with one line instead of
failing a paid job later. Videos are swept by age and by total size, oldest first.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from components.errors import SettingsError
from components.settings import Storage

SPACE_PERSISTENT = Path("/data")


@dataclass(frozen=True)
class DataFolder:
    path: Path
    survives_restart: bool
    why: str


def data_folder(environ: Mapping[str, str]) -> DataFolder:
    if environ.get("KLING_STUDIO_DATA"):
        return DataFolder(Path(environ["KLING_STUDIO_DATA"]), True, "KLING_STUDIO_DATA")
    if SPACE_PERSISTENT.is_dir() and os.access(SPACE_PERSISTENT, os.W_OK):
        return DataFolder(SPACE_PERSISTENT / "kling-avatar-studio", True, "the Space's persistent storage")
    cache = Path(environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    # On a Space without persistent storage this folder is wiped at every restart.
    return DataFolder(cache / "kling-avatar-studio", not environ.get("SPACE_ID"), "the user's cache folder")


def videos_folder() -> Path:
    """A stable folder, so a visitor's history still finds its videos after a restart."""
    return Path(tempfile.gettempdir()) / "kling-avatar-studio" / "videos"


def ensure_writable(folder: Path, purpose: str) -> Path:
    """Create `folder` and prove a file can be written there, or stop with a sentence naming it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-check-"):
            pass
    except OSError as exc:
        raise SettingsError(f"{folder} ({purpose}) is not writable: {exc.strerror or exc}") from None
    return folder


def sweep_videos(folder: Path, storage: Storage, now: float | None = None) -> list[Path]:
    """Delete videos older than `keep_videos_hours`, then the oldest until under `max_videos_mb`."""
    now = time.time() if now is None else now
    videos = sorted(folder.glob("*.mp4"), key=lambda path: path.stat().st_mtime)
    deleted = [path for path in videos if now - path.stat().st_mtime > storage.keep_videos_hours * 3600]
    kept = [path for path in videos if path not in deleted]
    total = sum(path.stat().st_size for path in kept)
    while kept and total > storage.max_videos_mb * 1e6:
        oldest = kept.pop(0)
        total -= oldest.stat().st_size
        deleted.append(oldest)
    for path in deleted:
        path.unlink(missing_ok=True)
    return deleted
