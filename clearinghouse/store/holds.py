"""Held signals: each signal's last hold or release (``signal_holds``), and how many
query answers held each signal per window (``signal_match_counts``).

The hold and release entries are the log's; these rows are the state they leave, and
the signal they touch is stamped with the entry's index so that the feed, the pushes
and every process's views see the change. A count row names a signal and a window, no
member, no query and no finer time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from clearinghouse.domain.holds import HoldRecord
from clearinghouse.store.bulk import chunks
from clearinghouse.store.models import Signal, SignalHold, SignalMatchCount

__all__ = [
    "add_counts",
    "all_holds",
    "busy_signals",
    "get_hold",
    "held_among",
    "held_ids",
    "prune_counts",
    "save_hold",
    "type_baselines",
    "window_counts",
    "write_holds",
]

_COLUMNS = HoldRecord._fields


def _record(row: SignalHold) -> HoldRecord:
    # SQLite hands times back without their zone; they were written in UTC.
    at = row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)
    return HoldRecord(row.signal_id, row.status, row.by, row.reason, at, row.log_index)


def get_hold(session: Session, signal_id: int) -> HoldRecord | None:
    row = session.get(SignalHold, signal_id)
    return None if row is None else _record(row)


def all_holds(session: Session) -> dict[int, HoldRecord]:
    """Every signal's last hold or release, by signal id (``db check``)."""
    return {row.signal_id: _record(row) for row in session.scalars(select(SignalHold))}


def held_ids(session: Session) -> frozenset[int]:
    """The signals held now."""
    return frozenset(
        session.scalars(select(SignalHold.signal_id).where(SignalHold.status == "held"))
    )


def held_among(session: Session, signal_ids: Sequence[int]) -> frozenset[int]:
    """Which of ``signal_ids`` are held now."""
    found: set[int] = set()
    for chunk in chunks(list(signal_ids)):
        query = select(SignalHold.signal_id).where(
            SignalHold.signal_id.in_(chunk), SignalHold.status == "held"
        )
        found.update(session.scalars(query))
    return frozenset(found)


def save_hold(session: Session, record: HoldRecord) -> None:
    """Insert or replace the row of ``record`` and stamp its signal with its entry."""
    session.merge(SignalHold(**dict(zip(_COLUMNS, record, strict=True))))
    session.execute(
        update(Signal).where(Signal.id == record.signal_id).values(updated_index=record.log_index)
    )
    session.flush()


def write_holds(session: Session, records: list[HoldRecord]) -> None:
    """Every hold at once into an empty table (``db rebuild``: the signals were written
    with their stamps already)."""
    session.add_all(SignalHold(**dict(zip(_COLUMNS, r, strict=True))) for r in records)
    session.flush()


def add_counts(session: Session, window_start: int, counts: Mapping[int, int]) -> None:
    """Add ``counts`` (signal id → matches) to the window's rows; several processes may
    add to one row at once (one upsert each)."""
    if not counts:
        return
    # Only signals that exist: a count may outlive a rebuild of the database.
    known = set(session.scalars(select(Signal.id).where(Signal.id.in_(list(counts)))))
    rows = [
        {"signal_id": sid, "window_start": window_start, "matches": n}
        for sid, n in sorted(counts.items())
        if sid in known
    ]
    if not rows:
        return
    insert = pg_insert if session.connection().dialect.name == "postgresql" else sqlite_insert
    statement = insert(SignalMatchCount).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=["signal_id", "window_start"],
        set_={"matches": SignalMatchCount.matches + statement.excluded.matches},
    )
    session.execute(statement)


def window_counts(session: Session, window_start: int) -> dict[int, int]:
    """Every signal's matches in one window."""
    query = select(SignalMatchCount.signal_id, SignalMatchCount.matches).where(
        SignalMatchCount.window_start == window_start
    )
    return dict(session.execute(query).all())


def busy_signals(session: Session, window_start: int, floor: int) -> list[tuple[int, str, int]]:
    """``(signal id, type, matches)`` of the signals with ``floor`` matches or more in
    the window."""
    query = (
        select(SignalMatchCount.signal_id, Signal.signal_type, SignalMatchCount.matches)
        .join(Signal, Signal.id == SignalMatchCount.signal_id)
        .where(SignalMatchCount.window_start == window_start, SignalMatchCount.matches >= floor)
        .order_by(SignalMatchCount.signal_id)
    )
    return [(sid, kind, n) for sid, kind, n in session.execute(query)]


def type_baselines(session: Session, since: int, before: int) -> dict[str, float]:
    """Per signal type, the mean matches of a matched signal in one window, over the
    windows starting in ``[since, before)``; a type no signal matched there is absent."""
    query = (
        select(Signal.signal_type, func.avg(SignalMatchCount.matches))
        .join(Signal, Signal.id == SignalMatchCount.signal_id)
        .where(SignalMatchCount.window_start >= since, SignalMatchCount.window_start < before)
        .group_by(Signal.signal_type)
    )
    return {kind: float(mean) for kind, mean in session.execute(query)}


def prune_counts(session: Session, before: int) -> None:
    """Drop the rows of windows starting before ``before``."""
    session.execute(delete(SignalMatchCount).where(SignalMatchCount.window_start < before))
