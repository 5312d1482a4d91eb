"""The owner's spend ledger: every job on the app's FAL_KEY, in SQLite on disk, so caps survive restarts.

A job is reserved (with the cap checks, before anything is uploaded), accepted with fal's request id,
then settled from the duration fal returns. Every row's money ends: settled, failed at fal or ended
without a video (both at the estimate), or released. A row is *running* only while this process follows
it (its `process` is this ledger's token), so a killed process never blocks a visitor. Each call opens
its own connection; `BEGIN IMMEDIATE` makes check-then-insert one step across threads and processes.
"""

from __future__ import annotations

import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from components.spending.ledger_schema import SCHEMA, add_later_columns
from components.spending.sightings import Sightings

# What a row counts against the caps: the estimate until fal says what it cost.
_SPENT = (
    "COALESCE(SUM(CASE state WHEN 'settled' THEN actual_dollars WHEN 'released' THEN 0 ELSE estimate_dollars END), 0)"
)


@dataclass(frozen=True)
class Usage:
    """Today's spending (UTC day) on the owner's key, as the caps see it."""

    visitor_dollars: float
    app_dollars: float
    visitor_running: int
    anonymous_dollars: float = 0.0  # every visitor who is not signed in, together


def utc_day(moment: float) -> str:
    return datetime.fromtimestamp(moment, timezone.utc).strftime("%Y-%m-%d")


class Ledger:
    def __init__(self, path: Path, running_window_seconds: float = 3600.0) -> None:
        self.path = path
        # A reservation older than this no longer counts as running (the app was killed mid-job).
        self._running_window = running_window_seconds
        # Rows this process reserved or follows carry it; only they count as running.
        self.process = secrets.token_hex(8)
        with sqlite3.connect(self.path, timeout=30) as db:
            db.executescript(SCHEMA)
        db.close()
        self.sightings = Sightings(path)
        with self._transaction() as db:  # one writer at a time, so two processes never add a column twice
            add_later_columns(db)

    def reserve(
        self, visitor: str, spends: list[tuple[str, float]], allow: Callable[[Usage], None], replacing: list[int] = ()
    ) -> list[int]:
        """Check the caps (`allow` raises to refuse) and record one row per (endpoint, dollars), as one atomic step.
        Rows in `replacing` (held for this request before its exact cost was known) give way in the same step."""
        now = time.time()
        with self._transaction() as db:
            for row in replacing:
                db.execute("UPDATE jobs SET state = 'released' WHERE id = ? AND request_id IS NULL", (row,))
            allow(self._usage(db, visitor, now))
            rows = [
                db.execute(
                    "INSERT INTO jobs (visitor, endpoint, estimate_dollars, reserved_at, day, state, process) "
                    "VALUES (?, ?, ?, ?, ?, 'reserved', ?)",
                    (visitor, endpoint, amount, now, utc_day(now), self.process),
                ).lastrowid
                for endpoint, amount in spends
            ]
        return [int(row) for row in rows]

    def accepted(self, row: int, request_id: str) -> None:
        with self._transaction() as db:
            db.execute("UPDATE jobs SET state = 'accepted', request_id = ? WHERE id = ?", (request_id, row))

    def settle(self, row: int, seconds: float, dollars: float) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE jobs SET state = 'settled', actual_seconds = ?, actual_dollars = ? WHERE id = ?",
                (seconds, dollars, row),
            )

    def failed_at_fal(self, row: int) -> None:
        """fal took the job and then failed it: kept at its estimate (never released), no longer running."""
        with self._transaction() as db:
            db.execute(
                "UPDATE jobs SET state = 'settled', actual_seconds = 0, actual_dollars = estimate_dollars "
                "WHERE id = ? AND state = 'accepted'",
                (row,),
            )

    def ended(self, row: int) -> None:
        """The job may have reached fal but this process no longer follows it (a timeout, a failed save):
        counted at its estimate until a Recover settles it, never running."""
        with self._transaction() as db:
            db.execute(
                "UPDATE jobs SET state = 'settled', actual_dollars = estimate_dollars "
                "WHERE id = ? AND state IN ('reserved', 'accepted')",
                (row,),
            )

    def recovered(self, request_id: str, seconds: float, dollars: float) -> None:
        """A Recover of an owner-key job: what fal's result says it cost, unless the row is already exact."""
        with self._transaction() as db:
            db.execute(
                "UPDATE jobs SET state = 'settled', actual_seconds = ?, actual_dollars = ? "
                "WHERE request_id = ? AND state != 'released' AND (actual_seconds IS NULL OR actual_seconds = 0)",
                (seconds, dollars, request_id),
            )

    def follow(self, row: int) -> None:
        """This process follows the row now (after a restart): it counts as running again until it ends."""
        with self._transaction() as db:
            db.execute("UPDATE jobs SET process = ? WHERE id = ?", (self.process, row))

    def release(self, row: int) -> None:
        """Only for a job that never reached fal: it costs nothing, so it counts nothing."""
        with self._transaction() as db:
            db.execute("UPDATE jobs SET state = 'released' WHERE id = ? AND request_id IS NULL", (row,))

    def open_jobs(self, within_seconds: float = 7 * 86400) -> list[tuple[int, str, str]]:
        """(row, endpoint, request id) of accepted jobs never settled: the app was stopped while they ran."""
        with self._transaction() as db:
            rows = db.execute(
                "SELECT id, endpoint, request_id FROM jobs WHERE state = 'accepted' AND reserved_at > ?",
                (time.time() - within_seconds,),
            ).fetchall()
        return [(int(row), str(endpoint), str(request_id)) for row, endpoint, request_id in rows]

    def row_of(self, request_id: str) -> int | None:
        with self._transaction() as db:
            found = db.execute("SELECT id FROM jobs WHERE request_id = ?", (request_id,)).fetchone()
        return int(found[0]) if found else None

    def endpoint_of(self, request_id: str) -> str | None:
        with self._transaction() as db:
            found = db.execute("SELECT endpoint FROM jobs WHERE request_id = ?", (request_id,)).fetchone()
        return str(found[0]) if found else None

    def holds(self, request_id: str) -> bool:
        with self._transaction() as db:
            return db.execute("SELECT 1 FROM jobs WHERE request_id = ?", (request_id,)).fetchone() is not None

    def usage(self, visitor: str) -> Usage:
        with self._transaction() as db:
            return self._usage(db, visitor, time.time())

    def _usage(self, db: sqlite3.Connection, visitor: str, now: float) -> Usage:
        day = utc_day(now)
        (app,) = db.execute(f"SELECT {_SPENT} FROM jobs WHERE day = ?", (day,)).fetchone()
        (mine,) = db.execute(f"SELECT {_SPENT} FROM jobs WHERE day = ? AND visitor = ?", (day, visitor)).fetchone()
        (anonymous,) = db.execute(f"SELECT {_SPENT} FROM jobs WHERE day = ? AND visitor LIKE 'ip:%'", (day,)).fetchone()
        (running,) = db.execute(
            "SELECT COUNT(*) FROM jobs WHERE visitor = ? AND state IN ('reserved', 'accepted') AND process = ? "
            "AND reserved_at > ?",
            (visitor, self.process, now - self._running_window),
        ).fetchone()
        return Usage(float(mine), float(app), int(running), float(anonymous))

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """One write transaction, for the ledger's companions (a narration's record of its parts)."""
        return self._transaction()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        finally:
            db.close()
