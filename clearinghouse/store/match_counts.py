"""Match counts per signal and window: the only trace lookups leave (DESIGN §15).

A row is ``(signal_id, window_start, matches)``: how many query answers held the signal
in the window starting at ``window_start`` (Unix seconds). Nothing names a member, a
query or a finer time; rows older than the checker's trailing windows are pruned.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from clearinghouse.store.models import Signal, SignalMatchCount

__all__ = ["add_counts", "busy_signals", "prune_counts", "type_baselines", "window_counts"]


def add_counts(session: Session, window_start: int, counts: Mapping[int, int]) -> None:
    """Add ``counts`` (signal id → matches) to the window's rows; several processes may
    add to the same row at once (one upsert each)."""
    if not counts:
        return
    dialect = session.connection().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    # Only signals that exist: a count may race a rebuild or outlive a test's data.
    known = set(session.scalars(select(Signal.id).where(Signal.id.in_(list(counts)))))
    rows = [
        {"signal_id": sid, "window_start": window_start, "matches": n}
        for sid, n in sorted(counts.items())
        if sid in known
    ]
    if not rows:
        return
    statement = insert(SignalMatchCount).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=["signal_id", "window_start"],
        set_={"matches": SignalMatchCount.matches + statement.excluded.matches},
    )
    session.execute(statement)


def window_counts(session: Session, window_start: int) -> dict[int, int]:
    """Every signal's matches in one window (tests and operators read this)."""
    query = select(SignalMatchCount.signal_id, SignalMatchCount.matches).where(
        SignalMatchCount.window_start == window_start
    )
    return dict(session.execute(query).all())


def busy_signals(session: Session, window_start: int, floor: int) -> list[tuple[int, str, int]]:
    """``(signal id, type, matches)`` of the signals with at least ``floor`` matches in
    the window."""
    query = (
        select(SignalMatchCount.signal_id, Signal.signal_type, SignalMatchCount.matches)
        .join(Signal, Signal.id == SignalMatchCount.signal_id)
        .where(SignalMatchCount.window_start == window_start, SignalMatchCount.matches >= floor)
        .order_by(SignalMatchCount.signal_id)
    )
    return [(sid, kind, n) for sid, kind, n in session.execute(query)]


def type_baselines(
    session: Session, since: int, before: int, types: Iterable[str]
) -> dict[str, float]:
    """Per signal type, the mean matches of a matched signal in one window, over the
    windows starting in ``[since, before)``; a type no signal matched there is absent."""
    query = (
        select(Signal.signal_type, func.avg(SignalMatchCount.matches))
        .join(Signal, Signal.id == SignalMatchCount.signal_id)
        .where(
            SignalMatchCount.window_start >= since,
            SignalMatchCount.window_start < before,
            Signal.signal_type.in_(sorted(set(types))),
        )
        .group_by(Signal.signal_type)
    )
    return {kind: float(mean) for kind, mean in session.execute(query)}


def prune_counts(session: Session, before: int) -> int:
    """Drop the rows of windows starting before ``before``; return how many."""
    done = session.execute(delete(SignalMatchCount).where(SignalMatchCount.window_start < before))
    return done.rowcount or 0
