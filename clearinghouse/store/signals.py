"""Rows of signals, contributions, feedback and statements, read and written in bulk.

Statements carry up to 10,000 items, so every function here takes many signals at once
and issues a bounded number of statements (chunks of ``CHUNK`` keys per IN list).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from clearinghouse.store.bulk import bulk_insert
from clearinghouse.store.models import Contribution, Feedback, Signal, Statement

__all__ = [
    "CHUNK",
    "SignalState",
    "content_types_of",
    "contributions_of",
    "feed_page",
    "ids_by_digest",
    "insert_signals",
    "record_feedback",
    "signal_states",
    "statement_by_digest",
]

CHUNK = 900  # below SQLite's default limit of host parameters per statement


def _chunks(items: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def statement_by_digest(session: Session, digest: bytes) -> Statement | None:
    return session.scalar(select(Statement).where(Statement.envelope_digest == digest))


def insert_statement(
    session: Session,
    *,
    kind: str,
    member_id: str,
    key_id: str,
    digest: bytes,
    log_index: int,
    now: datetime,
) -> int:
    statement = Statement(
        kind=kind,
        member_id=member_id,
        key_id=key_id,
        envelope_digest=digest,
        log_index=log_index,
        response={},
        created_at=now,
    )
    session.add(statement)
    session.flush()
    return statement.id


def set_statement_response(session: Session, statement_id: int, response: dict) -> None:
    session.execute(update(Statement).where(Statement.id == statement_id).values(response=response))


def ids_by_digest(session: Session, digests: Sequence[bytes]) -> dict[bytes, int]:
    """The ids of the signals that exist among ``digests``."""
    found: dict[bytes, int] = {}
    conn = session.connection()
    for chunk in _chunks(list(set(digests))):
        query = select(Signal.digest, Signal.id).where(Signal.digest.in_(chunk))
        found.update((digest, sid) for digest, sid in conn.execute(query))
    return found


SIGNAL_COLUMNS = (
    "id",
    "signal_type",
    "value",
    "digest",
    "quality",
    "status",
    "first_seen",
    "last_seen",
    "updated_index",
)


def insert_signals(session: Session, rows: list[tuple]) -> dict[bytes, int]:
    """Insert new signals, tuples of SIGNAL_COLUMNS without ``id``; return digest → id.

    Ids are assigned here, after the largest in use: the caller holds the log lock, and
    only statements (which take it) insert signals, so no two writers pick the same ids.
    """
    if not rows:
        return {}
    first = (session.scalar(select(func.max(Signal.id))) or 0) + 1
    numbered = [(first + n, *row) for n, row in enumerate(rows)]
    bulk_insert(session, Signal.__table__, SIGNAL_COLUMNS, numbered)
    return {row[3]: row[0] for row in numbered}


def touch_signals(session: Session, ids: Sequence[int], values: dict) -> None:
    """Set the same column values on many signals."""
    for chunk in _chunks(list(ids)):
        session.execute(update(Signal).where(Signal.id.in_(chunk)).values(**values))


def contributions_of(
    session: Session, signal_ids: Sequence[int], member_id: str | None = None
) -> list[Contribution]:
    """Contributions to these signals (of one member when given), any status."""
    out: list[Contribution] = []
    for chunk in _chunks(list(signal_ids)):
        query = select(Contribution).where(Contribution.signal_id.in_(chunk))
        if member_id is not None:
            query = query.where(Contribution.member_id == member_id)
        out.extend(session.scalars(query))
    return out


def content_types_of(session: Session, signal_ids: Sequence[int]) -> dict[int, list[str]]:
    """The content types active contributions give each signal, sorted, without repeats."""
    found: dict[int, set[str]] = {}
    for chunk in _chunks(list(signal_ids)):
        query = select(Contribution.signal_id, Contribution.content_type).where(
            Contribution.signal_id.in_(chunk), Contribution.status == "active"
        )
        for signal_id, content_type in session.execute(query):
            types = found.setdefault(signal_id, set())
            if content_type:
                types.add(content_type)
    return {i: sorted(types) for i, types in found.items()}


CONTRIBUTION_COLUMNS = (
    "signal_id",
    "member_id",
    "statement_id",
    "labels",
    "content_type",
    "note",
    "status",
    "created_at",
)


def insert_contributions(session: Session, rows: list[tuple]) -> None:
    """Insert contributions, tuples in CONTRIBUTION_COLUMNS order."""
    bulk_insert(session, Contribution.__table__, CONTRIBUTION_COLUMNS, rows)


def feedback_of(session: Session, signal_ids: Sequence[int]) -> list[Feedback]:
    out: list[Feedback] = []
    for chunk in _chunks(list(signal_ids)):
        out.extend(session.scalars(select(Feedback).where(Feedback.signal_id.in_(chunk))))
    return out


def record_feedback(
    session: Session,
    member_id: str,
    statement_id: int,
    verdicts: Sequence[tuple[int, str, str]],
    now: datetime,
) -> list[bool]:
    """Set the member's verdict ``(signal_id, verdict, reason)`` on each signal, replacing
    an earlier one; return, per item, whether one was replaced."""
    current = {
        f.signal_id: f
        for f in feedback_of(session, [sid for sid, _, _ in verdicts])
        if f.member_id == member_id
    }
    replaced = []
    for signal_id, verdict, reason in verdicts:
        earlier = current.get(signal_id)
        replaced.append(earlier is not None)
        if earlier is None:
            session.add(
                Feedback(
                    signal_id=signal_id,
                    member_id=member_id,
                    statement_id=statement_id,
                    verdict=verdict,
                    reason=reason,
                    created_at=now,
                )
            )
        else:
            earlier.verdict, earlier.reason = verdict, reason
            earlier.statement_id, earlier.created_at = statement_id, now
    session.flush()
    return replaced


@dataclass(frozen=True)
class SignalState:
    """A signal with what its contributions and feedback add up to. ``signal`` is a row
    with the Signal columns as attributes."""

    signal: Any
    labels: dict[str, int]
    contributors: tuple[str, ...]
    agree: int
    disagree: int


@functools.cache
def _state_queries():
    # Built once: lookups answer with these on every match, and they are hot.
    ids = bindparam("ids", expanding=True)
    return (
        select(Signal.__table__).where(Signal.id.in_(ids)),
        select(Contribution.signal_id, Contribution.member_id, Contribution.labels).where(
            Contribution.signal_id.in_(ids), Contribution.status == "active"
        ),
        select(Feedback.signal_id, Feedback.verdict).where(Feedback.signal_id.in_(ids)),
    )


def signal_states(session: Session, ids: Sequence[int]) -> dict[int, SignalState]:
    """The current state of each signal: labels with counts, contributors, verdicts."""
    signals: dict[int, Any] = {}
    labels: dict[int, dict[str, int]] = {}
    contributors: dict[int, list[str]] = {}
    verdicts: dict[int, list[int]] = {}
    conn = session.connection()
    by_id, by_contribution, by_feedback = _state_queries()
    for chunk in _chunks(sorted(set(ids))):
        params = {"ids": list(chunk)}
        for row in conn.execute(by_id, params):
            signals[row.id] = row
            labels[row.id], contributors[row.id], verdicts[row.id] = {}, [], [0, 0]
        for signal_id, member_id, member_labels in conn.execute(by_contribution, params):
            contributors[signal_id].append(member_id)
            counts = labels[signal_id]
            for label in member_labels:
                counts[label] = counts.get(label, 0) + 1
        for signal_id, verdict in conn.execute(by_feedback, params):
            verdicts[signal_id][0 if verdict == "agree" else 1] += 1
    return {
        i: SignalState(
            signal=s,
            labels=dict(sorted(labels[i].items())),
            contributors=tuple(sorted(contributors[i])),
            agree=verdicts[i][0],
            disagree=verdicts[i][1],
        )
        for i, s in signals.items()
    }


def _after(cursor: tuple[int, int]):
    index, sid = cursor
    return or_(
        Signal.updated_index > index,
        and_(Signal.updated_index == index, Signal.id > sid),
    )


def feed_page(session: Session, after: tuple[int, int], limit: int) -> list[Signal]:
    """Signals changed after the cursor ``(updated_index, id)``, in change order."""
    query = select(Signal).where(_after(after)).order_by(Signal.updated_index, Signal.id)
    return list(session.scalars(query.limit(limit)))


def changes_since(
    session: Session, after: tuple[int, int], limit: int
) -> list[tuple[int, str, str, int | None, str, int]]:
    """``(id, signal_type, value, quality, status, updated_index)`` of signals changed
    after the cursor ``(updated_index, id)``, in change order; for index followers."""
    rows = session.execute(
        select(
            Signal.id,
            Signal.signal_type,
            Signal.value,
            Signal.quality,
            Signal.status,
            Signal.updated_index,
        )
        .where(_after(after))
        .order_by(Signal.updated_index, Signal.id)
        .limit(limit)
    )
    return [tuple(r) for r in rows]
