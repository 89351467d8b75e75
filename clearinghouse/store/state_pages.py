"""Pages of changed signals with what their states need, column by column, for the log
follower that keeps each process's indexes and signal states (``services/adapters/signal_states``).

Every process reads every change, so a page is one statement (no key lists), read as
plain columns, with times as integer milliseconds (SQLite's text parsed by numpy in one
call) and each distinct stored label list decoded once.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import numpy as np
from sqlalchemy import String, Text, and_, bindparam, cast, func, select, type_coerce
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from clearinghouse.store.damage import is_time, labels_damage, report_skipped, signal_damage
from clearinghouse.store.models import Contribution, Feedback, Signal
from clearinghouse.store.signal_reads import changed_after
from clearinghouse.store.standing import vote

__all__ = ["StatePage", "state_page"]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MS = timedelta(milliseconds=1)


class StatePage(NamedTuple):
    """Signals changed after a cursor, in change order, with their active contributions'
    labels and the balance of their feedback. Times are milliseconds since the epoch (UTC)."""

    ids: list[int]
    types: list[str]
    values: list[str]
    qualities: list[int | None]
    statuses: list[str]
    updated: list[int]  # the log index of each signal's last change
    first_seen: np.ndarray  # int64
    last_seen: np.ndarray  # int64
    balance: list[int | None]  # agreements less disagreements; None without feedback
    labels: list[tuple[int, tuple[str, ...]]]  # (signal id, labels) per active contribution

    @property
    def cursor(self) -> tuple[int, int]:
        """The cursor after this page (requires a non-empty page)."""
        return (self.updated[-1], self.ids[-1])


def _balance():
    # Agreements less disagreements; NULL without feedback. Disputed when below zero
    # (``domain.is_disputed``, as ``store/standing`` mirrors it).
    return select(func.sum(vote())).where(Feedback.signal_id == Signal.id).scalar_subquery()


@functools.cache
def _query(limit: int):
    # One statement: the page of signals, each joined to its active contributions (one
    # row per contribution, or one without when none is active).
    page = (
        select(
            Signal.id,
            Signal.signal_type,
            Signal.value,
            Signal.quality,
            Signal.status,
            Signal.updated_index,
            type_coerce(Signal.first_seen, String).label("first_seen"),
            type_coerce(Signal.last_seen, String).label("last_seen"),
            _balance().label("balance"),
        )
        .where(changed_after((bindparam("index"), bindparam("sid"))))
        .order_by(Signal.updated_index, Signal.id)
        .limit(limit)
        .cte("page")
    )
    joined = page.outerjoin(
        Contribution, and_(Contribution.signal_id == page.c.id, Contribution.status == "active")
    )
    return (
        select(*page.c, cast(Contribution.labels, Text))
        .select_from(joined)
        .order_by(page.c.updated_index, page.c.id)
    )


def state_page(session: Session, after: tuple[int, int], limit: int) -> StatePage:
    """Up to ``limit`` signals changed after the cursor ``(updated_index, id)``."""
    conn = session.connection()
    while True:
        raw = conn.execute(_query(limit), {"index": after[0], "sid": after[1]}).all()
        rows = _sound(raw)
        if rows or not raw:  # a page of damaged rows only: the next one, so none is stuck
            break
        after = (raw[-1][5], raw[-1][0])
    ids = [r[0] for r in rows]
    labels = [(r[0], _decoded(r[9])) for r in rows if r[9] is not None]
    if len(set(ids)) == len(ids):  # at most one active contribution each: the usual page
        columns = [list(c) for c in zip(*rows, strict=True)][:9] if rows else [[] for _ in range(9)]
    else:
        columns, last = [[] for _ in range(9)], None
        for row in rows:
            if row[0] != last:
                for column, value in zip(columns, row, strict=False):
                    column.append(value)
                last = row[0]
    out = StatePage(*columns, labels)  # type: ignore[arg-type]
    return out._replace(
        first_seen=_milliseconds(out.first_seen, conn.dialect),
        last_seen=_milliseconds(out.last_seen, conn.dialect),
    )


class _Columns(NamedTuple):
    id: int
    signal_type: str
    value: str
    quality: int | None
    status: str
    updated_index: int
    first_seen: object
    last_seen: object


def _sound(rows: list) -> list:
    """The rows of signals whose state reads; damaged ones are left out and reported (the
    page's cursor still passes them: ``db repair`` puts them right, not this reader)."""
    damaged: dict[int, str] = {}
    times_read = _times_read(rows)
    for row in rows:
        if row[0] in damaged:
            continue
        reason = signal_damage(_Columns(*row[:8]), times=False)
        if reason is None and not times_read and not (is_time(row[6]) and is_time(row[7])):
            reason = "a time is not a time"
        if reason is None and row[9] is not None:
            reason = _labels_damage(row[9])
        if reason is not None:
            damaged[row[0]] = reason
    if not damaged:
        return rows
    report_skipped("index load", damaged)
    return [r for r in rows if r[0] not in damaged]


def _times_read(rows: list) -> bool:
    """Whether every time of the page reads, checked at once (one row at a time only when
    one does not)."""
    times = [t for r in rows for t in (r[6], r[7])]
    if all(isinstance(t, datetime) for t in times):
        return True
    try:
        np.array(times, "datetime64[us]")
    except (ValueError, TypeError):
        return False
    return True


@functools.lru_cache(maxsize=4096)
def _labels_damage(text: str) -> str | None:
    return labels_damage(text)


@functools.lru_cache(maxsize=4096)
def _decoded(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text))


def _milliseconds(times: Sequence[object], dialect: Dialect) -> np.ndarray:
    """Milliseconds since the epoch, digits below the millisecond dropped (as answers
    show times). SQLite keeps UTC times as text without an offset; PostgreSQL's driver
    gives aware datetimes."""
    if dialect.name == "sqlite":
        try:
            return np.array(times, "datetime64[us]").astype("datetime64[ms]").astype(np.int64)
        except ValueError:  # not the text SQLAlchemy writes: one by one
            times = [datetime.fromisoformat(t) for t in times]  # type: ignore[arg-type]
    out = [
        (t if t.tzinfo else t.replace(tzinfo=UTC)) - EPOCH  # type: ignore[union-attr]
        for t in times
    ]
    return np.array([d // MS for d in out], np.int64)
