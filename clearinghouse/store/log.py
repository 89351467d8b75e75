"""The append-only log in the database: entries, complete-subtree hashes and the head.

Appends lock the head row (PostgreSQL ``FOR UPDATE``; on SQLite the write transaction
already holds the database's write lock), so indexes stay dense with several processes
writing. The application never updates or deletes an entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from clearinghouse.store.models import LogEntry, LogHead, LogNode
from clearinghouse.tlog.compact import append_nodes
from clearinghouse.tlog.hashing import leaf_hash

__all__ = ["SqlNodeReader", "append_entries", "log_size", "read_entries"]


class SqlNodeReader:
    """The tlog NodeReader over the ``log_nodes`` table of one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get_nodes(self, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        if not keys:
            return {}
        wanted = list(set(keys))
        found: dict[tuple[int, int], bytes] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = self.session.execute(
                select(LogNode.level, LogNode.idx, LogNode.hash).where(
                    tuple_(LogNode.level, LogNode.idx).in_(chunk)
                )
            )
            found.update({(level, idx): h for level, idx, h in rows})
        return found


def log_size(session: Session, *, lock: bool = False) -> int:
    """The number of entries in the log; ``lock`` holds the head until commit."""
    query = select(LogHead.size).where(LogHead.id == 1)
    if lock:
        query = query.with_for_update()
    return session.execute(query).scalar_one()


def append_entries(session: Session, entries: Sequence[tuple[str, bytes]], now: datetime) -> int:
    """Append ``(entry_type, data)`` pairs in order; return the index of the first."""
    size = log_size(session, lock=True)
    leaves = [leaf_hash(data) for _, data in entries]
    nodes = append_nodes(size, leaves, SqlNodeReader(session))
    session.execute(
        LogEntry.__table__.insert(),
        [
            {"idx": size + i, "entry_type": kind, "data": data, "created_at": now}
            for i, (kind, data) in enumerate(entries)
        ],
    )
    session.execute(
        LogNode.__table__.insert(),
        [{"level": level, "idx": idx, "hash": h} for (level, idx), h in nodes],
    )
    session.execute(
        LogHead.__table__.update().where(LogHead.id == 1).values(size=size + len(entries))
    )
    return size


def read_entries(session: Session, start: int, end: int) -> list[tuple[int, bytes]]:
    """Entries with start <= index < end, in order."""
    rows = session.execute(
        select(LogEntry.idx, LogEntry.data)
        .where(LogEntry.idx >= start, LogEntry.idx < end)
        .order_by(LogEntry.idx)
    )
    return [(idx, data) for idx, data in rows]
