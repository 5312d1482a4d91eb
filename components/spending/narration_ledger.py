"""Which narration each ledger row is a part of, so a narration stays one thing after a restart too.

A narration's parts are reserved together, one row each; before anything is uploaded the rows are
tied to the first part's row with their index and audio length, and the narration is named (its
first request id) the moment fal accepts a part. That is enough for a restarted server to follow
the parts together and join them, and for `/recover` with any part's id to find the whole
narration with the model and the cost the ledger holds, whatever the page's dropdown says.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.spending.ledger import Ledger


# How far back a restart looks for narrations still running (as the ledger does for single jobs).
_LOOK_BACK_SECONDS = 7 * 86400


@dataclass(frozen=True)
class NarrationRecord:
    first_row: int
    narration_id: str
    endpoint: str
    parts: tuple[str, ...]  # each part's request id, in order ("" for a part fal never accepted)
    lengths: tuple[float, ...]  # each part's audio in seconds, so a join cuts each video where its voice ends
    seconds: float  # what fal made of the parts settled so far
    dollars: float
    settled: bool  # every part is in, with a video

    @property
    def whole(self) -> bool:
        """Every part reached fal: the narration can be followed and joined (else it was cut short)."""
        return bool(self.parts) and all(self.parts)


class NarrationLedger:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def tie(self, rows: list[int], lengths: list[float]) -> int:
        """The reserved rows of one narration, in part order; returns the narration's row (its first)."""
        ties = [(rows[0], index, seconds, row) for index, (row, seconds) in enumerate(zip(rows, lengths, strict=True))]
        with self.ledger.transaction() as db:
            db.executemany("UPDATE jobs SET narration_row = ?, part = ?, part_seconds = ? WHERE id = ?", ties)
        return rows[0]

    def retried(self, first_row: int, index: int, row: int, seconds: float) -> None:
        """A part sent again has a row of its own; it replaces the failed one in the narration."""
        with self.ledger.transaction() as db:
            db.execute(
                "UPDATE jobs SET narration_row = ?, part = ?, part_seconds = ? WHERE id = ?",
                (first_row, index, seconds, row),
            )

    def name(self, first_row: int, narration_id: str) -> None:
        """The narration's id is the first request id fal gave any part; it never changes after."""
        with self.ledger.transaction() as db:
            db.execute(
                "UPDATE jobs SET narration = ? WHERE narration_row = ? AND narration IS NULL", (narration_id, first_row)
            )

    def of_request(self, request_id: str) -> NarrationRecord | None:
        """The narration that `request_id` (its id, or any part's, even a part sent again since) belongs to."""
        with self.ledger.transaction() as db:
            found = db.execute(
                "SELECT narration_row FROM jobs WHERE request_id = ? AND narration_row IS NOT NULL", (request_id,)
            ).fetchone()
            return _record(db, int(found[0])) if found else None

    def unfinished(self) -> list[NarrationRecord]:
        """Narrations with a part fal accepted and never settled: the app was stopped while they ran."""
        with self.ledger.transaction() as db:
            rows = db.execute(
                "SELECT DISTINCT narration_row FROM jobs WHERE state = 'accepted' AND narration_row IS NOT NULL "
                "AND reserved_at > ? ORDER BY narration_row",
                (time.time() - _LOOK_BACK_SECONDS,),
            ).fetchall()
            return [_record(db, int(row)) for (row,) in rows]


def _record(db: sqlite3.Connection, first_row: int) -> NarrationRecord:
    rows = db.execute(
        "SELECT part, request_id, state, part_seconds, actual_seconds, actual_dollars, endpoint, narration "
        "FROM jobs WHERE narration_row = ? ORDER BY part, id",
        (first_row,),
    ).fetchall()
    latest = {row[0]: row for row in rows}  # a part sent again: its newest row (the failed one is history)
    parts = [latest[index] for index in sorted(latest)]
    ids = tuple(str(row[1] or "") for row in parts)
    lengths = tuple(float(row[3]) for row in parts if row[3] is not None)
    named = next((str(row[7]) for row in rows if row[7]), None)
    return NarrationRecord(
        first_row=first_row,
        narration_id=named or next((part for part in ids if part), ""),
        endpoint=str(rows[0][6]),
        parts=ids,
        lengths=lengths if len(lengths) == len(parts) else (),
        seconds=sum(float(row[4] or 0) for row in parts),
        dollars=sum(float(row[5] or 0) for row in parts),
        settled=all(row[2] == "settled" and (row[4] or 0) > 0 for row in parts),
    )
