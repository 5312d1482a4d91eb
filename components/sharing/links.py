"""Share links kept beside the ledger, in its SQLite file, so a link survives a restart.

A row holds the token's digest, never the token: the file alone opens no link, and a lookup by digest takes
the same time whatever part of a wrong token matches. Each call opens its own connection, like the sightings.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from components.spending.sightings import one_transaction

_SCHEMA = """
CREATE TABLE IF NOT EXISTS share_links (
    digest TEXT PRIMARY KEY,
    video TEXT NOT NULL,
    captions TEXT,
    creator TEXT NOT NULL,
    created_at REAL NOT NULL
)
"""


@dataclass(frozen=True)
class Link:
    video: str  # a file name in the videos folder
    captions: str | None  # a file name in the posting folder, when the video had captions made
    creator: str  # the payer who made it (`owner:<visitor>` or a key's digest)
    created_at: float


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ShareLinks:
    def __init__(self, path: Path) -> None:
        self.path = path
        with self._db() as db:
            db.execute(_SCHEMA)

    def add(self, token: str, video: str, captions: str | None, creator: str) -> None:
        with self._db() as db:
            db.execute(
                "INSERT INTO share_links VALUES (?, ?, ?, ?, ?)", (digest(token), video, captions, creator, time.time())
            )

    def find(self, token: str) -> Link | None:
        with self._db() as db:
            row = db.execute(
                "SELECT video, captions, creator, created_at FROM share_links WHERE digest = ?", (digest(token),)
            ).fetchone()
        return Link(*row) if row else None

    def _db(self) -> AbstractContextManager[sqlite3.Connection]:
        return one_transaction(self.path)
