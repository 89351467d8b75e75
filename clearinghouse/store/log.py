"""The append-only log in the database: entries, complete-subtree hashes and the head.

Appends lock the head row (PostgreSQL ``FOR UPDATE``; on SQLite the write transaction
already holds the database's write lock), so indexes stay dense with several processes
writing. The application never updates or deletes an entry.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from clearinghouse.store.bulk import bulk_insert
from clearinghouse.store.models import LogEntry, LogHead, LogNode
from clearinghouse.tlog.compact import append_nodes
from clearinghouse.tlog.hashing import leaf_hash

__all__ = [
    "LOG_CHANNEL",
    "SqlNodeReader",
    "append_entries",
    "entry_time",
    "entry_types_between",
    "log_size",
    "read_entries",
]


class SqlNodeReader:
    """The tlog NodeReader over the ``log_nodes`` table of one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get_nodes(self, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        if not keys:
            return {}
        # One "level = L AND idx IN (...)" term per level: each is a primary-key range
        # lookup, where a row-value IN list would scan the table on SQLite.
        by_level: dict[int, list[int]] = {}
        for level, idx in set(keys):
            by_level.setdefault(level, []).append(idx)
        # Plain driver SQL: building the expression in SQLAlchemy cost more than running it.
        conn = self.session.connection()
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        terms, params = [], []
        for level, idxs in by_level.items():
            terms.append(f"(level = {mark} AND idx IN ({', '.join([mark] * len(idxs))}))")
            params.extend([level, *idxs])
        rows = conn.exec_driver_sql(
            f"SELECT level, idx, hash FROM log_nodes WHERE {' OR '.join(terms)}", tuple(params)
        )
        return {(level, idx): bytes(h) for level, idx, h in rows}


def log_size(session: Session, *, lock: bool = False) -> int:
    """The number of entries in the log; ``lock`` holds the head until commit."""
    return session.connection().execute(_head_query(lock)).scalar_one()


@functools.cache
def _head_query(lock: bool):
    # Built once: every signed request reads the head, and building cost more than running.
    query = select(LogHead.size).where(LogHead.id == 1)
    return query.with_for_update() if lock else query


def append_entries(session: Session, entries: Sequence[tuple[str, bytes]], now: datetime) -> int:
    """Append ``(entry_type, data)`` pairs in order; return the index of the first."""
    size = log_size(session, lock=True)
    leaves = [leaf_hash(data) for _, data in entries]
    nodes = append_nodes(size, leaves, SqlNodeReader(session))
    bulk_insert(
        session,
        LogEntry.__table__,
        ("idx", "entry_type", "data", "created_at"),
        [(size + i, kind, data, now) for i, (kind, data) in enumerate(entries)],
    )
    bulk_insert(
        session,
        LogNode.__table__,
        ("level", "idx", "hash"),
        [(level, idx, h) for (level, idx), h in nodes],
    )
    session.execute(
        LogHead.__table__.update().where(LogHead.id == 1).values(size=size + len(entries))
    )
    if session.get_bind().dialect.name == "postgresql":
        # Sent in the writing transaction, so PostgreSQL delivers it at commit: followers
        # in other processes wake at once instead of at their next poll.
        session.execute(_notify(), {"size": str(size + len(entries))})
    return size


LOG_CHANNEL = "clearinghouse_log"


@functools.cache
def _notify():
    return text(f"SELECT pg_notify('{LOG_CHANNEL}', :size)")


def entry_types_between(session: Session, start: int, end: int) -> set[str]:
    """The distinct types of the entries with start <= index < end."""
    rows = session.execute(
        select(LogEntry.entry_type).where(LogEntry.idx >= start, LogEntry.idx < end).distinct()
    )
    return {kind for (kind,) in rows}


def read_entries(session: Session, start: int, end: int) -> list[tuple[int, bytes]]:
    """Entries with start <= index < end, in order."""
    rows = session.execute(
        select(LogEntry.idx, LogEntry.data)
        .where(LogEntry.idx >= start, LogEntry.idx < end)
        .order_by(LogEntry.idx)
    )
    return [(idx, data) for idx, data in rows]


def entry_time(session: Session, index: int | None = None) -> datetime | None:
    """When entry ``index`` (default: the latest) was appended; None for an empty log."""
    if index is None:
        index = log_size(session) - 1
    if index < 0:
        return None
    query = select(LogEntry.created_at).where(LogEntry.idx == index)
    return session.execute(query).scalar_one_or_none()
