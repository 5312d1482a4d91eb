"""The visitor's runs as tiles: a thumbnail (the video's first frame) and a caption each, newest first.

A thumbnail is made on this machine with ffmpeg, only from a video this payer may open (the same rule as
re-opening a run: access.py), kept in `<videos>/post` beside what the posting tools make (swept like the
videos), and made once: later pages use the file. Making thumbnails is free work; over the visitor's limit,
or for a run with no video here (still running at fal, or swept), the tile shows a placeholder that says so.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw

from components.errors import InputRejected, StudioError
from components.history.runs import MAX_ENTRIES, from_entry
from components.posting.media import grab_frame
from components.spending.access import may_open_local_copy
from components.spending.pricing import format_cost

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.history.runs import Run

THUMB_WIDTH = 320
PLACEHOLDERS = {  # file name → what the tile says
    "tile-pending.png": "Still running at fal",
    "tile-elsewhere.png": "Not on this server: open to fetch it again",
    "tile-video.png": "Open to watch",
}


@dataclass(frozen=True)
class Tile:
    index: int  # the run's place in the browser's history
    picture: Path
    caption: str


def caption(run: Run) -> str:
    """Model, length, cost and date (UTC); a pending run's length and cost are the estimate."""
    when = run.finished_at[:16].replace("T", " ") + " UTC"
    if run.is_pending:
        return f"⏳ {run.model} · about {run.seconds:.1f} s · est. {format_cost(run.cost)} · {when}"
    return f"{run.model} · {run.seconds:.1f} s · {format_cost(run.cost)} · {when}"


@dataclass(frozen=True)
class RunTiles:
    folder: Path  # the posting tools' folder, inside the videos folder
    visible_to: Callable[[str, list[str]], bool]
    take_free_work: Callable[[], None]  # raises when the visitor's free work for this minute is used up

    @property
    def videos(self) -> Path:
        return self.folder.parent

    def tiles(self, history: list | None, payer: str) -> list[Tile]:
        """One tile per readable entry (a damaged one is left out), newest first."""
        runs = []
        for index, entry in enumerate((history or [])[:MAX_ENTRIES]):  # what the app keeps; a script may send more
            with contextlib.suppress(InputRejected):
                runs.append((index, from_entry(entry)))
        runs.sort(key=lambda found: found[1].finished_at, reverse=True)
        videos = [self._openable(run, payer) for _, run in runs]
        may_make = True
        if any(video is not None and not self._thumb(video).is_file() for video in videos):
            try:
                self.take_free_work()  # one free action pays for every thumbnail this call makes
            except StudioError:
                may_make = False
        return [
            Tile(index, self._picture(run, video, may_make), caption(run))
            for (index, run), video in zip(runs, videos, strict=True)
        ]

    def _openable(self, run: Run, payer: str) -> Path | None:
        """The run's video on this server, if this payer may open it (the rule re-opening follows)."""
        video = self.videos / run.video
        if run.is_pending or not video.is_file() or not may_open_local_copy(run, payer, self.visible_to):
            return None
        return video

    def _thumb(self, video: Path) -> Path:
        return self.folder / f"{video.stem}.thumb.jpg"

    def _picture(self, run: Run, video: Path | None, may_make: bool) -> Path:
        if video is None:
            return self._placeholder("tile-pending.png" if run.is_pending else "tile-elsewhere.png")
        thumb = self._thumb(video)
        if thumb.is_file():
            return thumb
        if may_make:
            with contextlib.suppress(InputRejected):  # an unreadable frame: the plain tile instead
                frame = grab_frame(video, 0.0)
                height = max(1, round(frame.height * THUMB_WIDTH / frame.width))
                return _save(frame.resize((THUMB_WIDTH, height)), thumb)
        return self._placeholder("tile-video.png")

    def _placeholder(self, name: str) -> Path:
        target = self.folder / name
        if not target.is_file():  # made once; swept with the rest, then made again
            picture = Image.new("RGB", (THUMB_WIDTH, 180), (55, 65, 81))
            ImageDraw.Draw(picture).text((16, 80), PLACEHOLDERS[name], fill=(229, 231, 235))
            _save(picture, target)
        return target


def _save(picture: Image.Image, target: Path) -> Path:
    """Whole or not at all (a dot-name, then renamed): a page never gets half a picture."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}")
    picture.save(partial, format="PNG" if target.suffix == ".png" else "JPEG", quality=85)
    partial.replace(target)
    return target
