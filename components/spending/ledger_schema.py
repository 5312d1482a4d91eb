"""The ledger's table, and the columns added since it was first made (a ledger file from before gains them)."""

from __future__ import annotations

import sqlite3

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY,
    visitor TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    estimate_dollars REAL NOT NULL,
    reserved_at REAL NOT NULL,
    day TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('reserved', 'accepted', 'settled', 'released')),
    request_id TEXT,
    actual_seconds REAL,
    actual_dollars REAL
);
CREATE INDEX IF NOT EXISTS jobs_by_day ON jobs (day, visitor);
CREATE INDEX IF NOT EXISTS jobs_by_request ON jobs (request_id);
"""
# Added since the table was first made: a ledger file from before gets them when it is opened.
# The process following the row; which narration a row is a part of (its first part's row), the part's
# index and audio length, and the narration's id (its first request id) once fal has accepted a part.
ADDED_COLUMNS = (
    ("process", "TEXT"),
    ("narration_row", "INTEGER"),
    ("part", "INTEGER"),
    ("part_seconds", "REAL"),
    ("narration", "TEXT"),
)


def add_later_columns(db: sqlite3.Connection) -> None:
    have = {row[1] for row in db.execute("PRAGMA table_info(jobs)")}
    for name, kind in ADDED_COLUMNS:
        if name not in have:
            db.execute(f"ALTER TABLE jobs ADD COLUMN {name} {kind}")
    db.execute("CREATE INDEX IF NOT EXISTS jobs_by_narration ON jobs (narration_row)")
