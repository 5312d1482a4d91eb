"""Which request ids this app showed to which payer: the only proof a caller may follow a job again.

Kept in the ledger's SQLite file (so it survives restarts); a payer is `owner:<visitor>` or a key's digest.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

_SCHEMA = "CREATE TABLE IF NOT EXISTS sightings (request_id TEXT, payer TEXT, PRIMARY KEY (request_id, payer))"


class Sightings:
    def __init__(self, path: Path) -> None:
        self.path = path
        with self._db() as db:
            db.execute(_SCHEMA)

    def seen(self, payer: str, request_ids: list[str]) -> None:
        """The payer was shown these request ids: theirs to follow, open and recover again."""
        with self._db() as db:
            db.executemany("INSERT OR IGNORE INTO sightings VALUES (?, ?)", [(rid, payer) for rid in request_ids])

    def visible_to(self, payer: str, request_ids: list[str]) -> bool:
        """Whether every one of these request ids was shown to this payer by this app."""
        wanted = sorted(set(request_ids))
        marks = ",".join("?" * len(wanted))
        with self._db() as db:
            query = f"SELECT COUNT(*) FROM sightings WHERE payer = ? AND request_id IN ({marks})"
            (found,) = db.execute(query, (payer, *wanted)).fetchone()
        return bool(wanted) and found == len(wanted)

    def _db(self) -> AbstractContextManager[sqlite3.Connection]:
        return one_transaction(self.path)


@contextmanager
def one_transaction(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection of its own (like the ledger's), committed on success and closed (tables beside the ledger)."""
    db = sqlite3.connect(path, timeout=30)
    try:
        with db:
            yield db
    finally:
        db.close()
