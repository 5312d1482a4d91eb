"""A link to share: anyone holding it watches one video this app showed its maker, until the disk budget sweeps it.

Making a link asks the posting tools for the video (`Posting.video`: the ledger's sightings decide whether it
was shown to this payer, and a fal run no longer here is fetched again for free), counts as the visitor's free
work, and records the link beside the ledger. Opening one needs nothing but the token: a wrong token, a video
no longer kept and sharing switched off each get a sentence, and none of them names any video.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from components.errors import InputRejected
from components.sharing.links import ShareLinks

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.spending.identity import Visitor
    from components.studio import Studio

TOKEN_BYTES = 32  # 256 bits: secrets.token_urlsafe gives 43 characters
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{22,86}$")
SHARING_OFF = "Sharing is switched off on this app, so shared links do not open and none can be made."
NO_SUCH_LINK = "This share link does not open anything: check that it was copied whole."
NOT_HERE = "That video cannot be shared from this server."


def swept(hours: float) -> str:
    return (
        f"The video behind this link is no longer kept on this server (videos are kept up to {hours:g} hours, "
        "fewer when the disk is full), so the link no longer plays anything."
    )


@dataclass(frozen=True)
class Shared:
    video: Path
    captions: Path | None


@dataclass(frozen=True)
class Sharing:
    studio: Studio = field(repr=False)
    links: ShareLinks = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "links", ShareLinks(self.studio.ledger.path))

    @property
    def enabled(self) -> bool:
        return self.studio.settings.sharing_enabled

    async def make(self, ref: str | None, raw_key: str | None, visitor: Visitor) -> str:
        """A new token for the run's video, if this payer was shown it. Free work."""
        if not self.enabled:
            raise InputRejected(SHARING_OFF)
        if not (ref or "").strip():
            raise InputRejected("Share a finished video: make one, or open one from your runs, first.")
        self.studio.free_work.take(visitor.id)  # before any work: a refused attempt counts too
        posting, payer = self.studio.posting, self.studio.payer(visitor, raw_key)
        video, stem = await posting.video(ref, None, payer)  # the posting tools' own check: shown to this payer
        if video.parent.resolve() != posting.folder.parent.resolve():
            raise InputRejected(NOT_HERE)
        captions = posting.folder / f"{stem}.vtt"
        token = secrets.token_urlsafe(TOKEN_BYTES)
        self.links.add(token, video.name, captions.name if captions.is_file() else None, payer.id)
        return token

    def open(self, token: str | None) -> Shared:
        """The shared video and its captions (those made since the link too), or the sentence why not."""
        if not self.enabled:
            raise InputRejected(SHARING_OFF)
        link = self.links.find(token) if _TOKEN.match(token or "") else None
        if link is None:
            raise InputRejected(NO_SUCH_LINK)
        post = self.studio.posting.folder
        video = post.parent / link.video
        if not video.is_file():
            raise InputRejected(swept(self.studio.settings.storage.keep_videos_hours))
        kept = [post / name for name in (link.captions, f"{video.stem}.vtt") if name]
        return Shared(video, next((path for path in kept if path.is_file()), None))
