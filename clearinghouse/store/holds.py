"""Held signals: each signal's last hold and release, as the rows of ``signal_holds``.

The hold and release entries are the log's; these rows are the state they leave, and
the signal they touch is stamped with the entry's index so that the feed, the pushes
and every process's views see the change.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from clearinghouse.domain.holds import HoldRecord
from clearinghouse.store.bulk import chunks
from clearinghouse.store.models import Signal, SignalHold

__all__ = ["all_holds", "get_hold", "held_among", "held_ids", "save_hold", "write_holds"]

_COLUMNS = HoldRecord._fields


def _utc(moment: datetime | None) -> datetime | None:
    # SQLite hands times back without their zone; they were written in UTC.
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


def _record(row: SignalHold) -> HoldRecord:
    return HoldRecord(
        row.signal_id, row.status, row.held_by, row.reason, _utc(row.held_at), row.held_index,
        row.released_by, row.release_reason, _utc(row.released_at), row.released_index,
    )  # fmt: skip


def get_hold(session: Session, signal_id: int) -> HoldRecord | None:
    row = session.get(SignalHold, signal_id)
    return None if row is None else _record(row)


def all_holds(session: Session) -> dict[int, HoldRecord]:
    """Every signal's last hold, by signal id (``db check``)."""
    return {row.signal_id: _record(row) for row in session.scalars(select(SignalHold))}


def held_ids(session: Session) -> frozenset[int]:
    """The signals held now."""
    query = select(SignalHold.signal_id).where(SignalHold.status == "held")
    return frozenset(session.scalars(query))


def held_among(session: Session, signal_ids: Sequence[int]) -> set[int]:
    """Which of ``signal_ids`` are held now."""
    found: set[int] = set()
    for chunk in chunks(list(signal_ids)):
        query = select(SignalHold.signal_id).where(
            SignalHold.signal_id.in_(chunk), SignalHold.status == "held"
        )
        found.update(session.scalars(query))
    return found


def save_hold(session: Session, record: HoldRecord) -> None:
    """Insert or replace the row of ``record`` and stamp its signal with the entry's
    index (the hold's, or the release's)."""
    session.merge(SignalHold(**dict(zip(_COLUMNS, record, strict=True))))
    index = record.held_index if record.released_index is None else record.released_index
    session.execute(update(Signal).where(Signal.id == record.signal_id).values(updated_index=index))
    session.flush()


def write_holds(session: Session, records: list[HoldRecord]) -> None:
    """Every hold at once, into an empty table (``db rebuild``: the signals were written
    with their stamps already)."""
    session.add_all(SignalHold(**dict(zip(_COLUMNS, r, strict=True))) for r in records)
    session.flush()
