"""Folders the app writes, and keeping them bounded.

The data folder (the ledger) is `KLING_STUDIO_DATA`, else a Space's persistent
`/data` when it is writable, else the user's cache folder. Every folder is
checked at start-up, so a read-only disk stops the app with one line instead of
failing a paid job later. Everything the app leaves on disk is swept under one budget (DiskBudget).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from components.errors import SettingsError

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.config.settings import Storage

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


@dataclass(frozen=True)
class _File:
    path: Path
    modified: float
    size: int
    max_age: float | None  # seconds; None: only the size budget removes it


class DiskBudget:
    """Every file the app leaves on disk, under `storage.max_mb`: finished videos and what was made from them
    in `videos/post` (gone after `keep_videos_hours`), spoken scripts and trimmed voices in `videos/speech`
    (gone after an hour: they are inputs, used within minutes) and Gradio's cache (uploads, and its copy of
    every file shown).
    Over the budget, the oldest of them go first, whichever folder they are in. Files Gradio must keep (the
    examples' copies, see `keep`) are never counted or deleted; nor are dot-files (written, then renamed)."""

    SPOKEN_MAX_AGE = 3600.0
    MIN_INTERVAL = 2.0  # seconds between two walks of the folders

    def __init__(self, storage: Storage | None = None, videos: Path | None = None, cache: Path | None = None) -> None:
        """Without `storage` (a studio built bare, in tests) nothing is swept."""
        self.storage = storage
        self.videos = videos
        self.cache = cache.resolve() if cache is not None else None
        self._kept: frozenset[Path] = frozenset()
        self._lock = threading.Lock()  # sweeps run in worker threads; one at a time
        self._last = -self.MIN_INTERVAL

    def keep(self, paths: Iterable[str | Path]) -> None:
        self._kept = frozenset(Path(path).resolve() for path in paths)

    def sweep(self, now: float | None = None) -> list[Path]:
        """Delete what is too old, then the oldest until the rest fits; returns what was deleted. Called after
        every job, voice and upload, it walks every folder at most every `MIN_INTERVAL` s (a crowd's worth of
        walks costs the CPU that estimates and pages need); a caller naming `now` sweeps at once."""
        if now is None and time.monotonic() - self._last < self.MIN_INTERVAL:
            return []
        self._last = time.monotonic()
        now = time.time() if now is None else now
        with self._lock:
            files = sorted(self._files(), key=lambda file: file.modified)
            expired = {f for f in files if f.max_age is not None and now - f.modified > f.max_age}
            doomed, kept = [f for f in files if f in expired], [f for f in files if f not in expired]
            total = sum(f.size for f in kept)
            while kept and self.storage is not None and total > self.storage.max_mb * 1e6:
                total -= kept[0].size
                doomed.append(kept.pop(0))
            for file in doomed:
                self._delete(file.path)
        return [file.path for file in doomed]

    def used_bytes(self) -> int:
        return sum(file.size for file in self._files())

    def _files(self) -> Iterable[_File]:
        if self.storage is None or self.videos is None:
            return
        yield from _listed(self.videos.glob("*.mp4"), self.storage.keep_videos_hours * 3600)
        # What was made from a video (captions, other shapes, its script) lives as long as a video.
        yield from _listed((self.videos / "post").glob("[!.]*"), self.storage.keep_videos_hours * 3600)
        yield from _listed((self.videos / "speech").glob("script-*"), self.SPOKEN_MAX_AGE)
        yield from _listed((self.videos / "speech").glob("trimmed-*"), self.SPOKEN_MAX_AGE)
        if self.cache is not None:
            yield from _listed((p for p in _walk(self.cache) if p not in self._kept), None)

    def _delete(self, path: Path) -> None:
        with contextlib.suppress(OSError):  # not ours to delete after all: the next sweep tries again
            path.unlink(missing_ok=True)
        if self.cache is not None and path.parent != self.cache and path.parent.parent == self.cache:
            with contextlib.suppress(OSError):  # Gradio keeps each file in a folder named by its hash
                path.parent.rmdir()


def _walk(folder: Path) -> Iterable[Path]:
    """Every file under `folder` but dot-files (Gradio writes a copy under a dot-name, then renames it).
    os.walk skips what vanishes meanwhile: Gradio's own sweep runs at the same time."""
    for root, _folders, names in os.walk(folder):
        yield from (Path(root, name) for name in names if not name.startswith("."))


def _listed(paths: Iterable[Path], max_age: float | None) -> Iterable[_File]:
    for path in paths:
        try:
            info = path.lstat()
        except OSError:  # gone meanwhile (Gradio's own sweep, a finished upload's rename)
            continue
        if stat.S_ISREG(info.st_mode):
            yield _File(path, info.st_mtime, info.st_size, max_age)
