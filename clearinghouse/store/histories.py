"""The domain's records in and out of the tables: the histories of the signals a
statement touches, loaded in bulk, and the changes its items made, saved in bulk.

Statements carry up to 10,000 items, so reads go by key lists (``bulk.key_chunks``), inserts
by ``bulk_insert`` (COPY on PostgreSQL) and updates by one executemany per kind.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from operator import attrgetter

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from clearinghouse.domain import (
    Change,
    ContributionRecord,
    FeedbackRecord,
    SignalHistory,
    SignalRecord,
)
from clearinghouse.errors import DamagedState
from clearinghouse.store.bulk import bulk_insert, bulk_select, key_chunks, matches_keys
from clearinghouse.store.damage import UNREADABLE, labels_damage, signal_damage
from clearinghouse.store.models import Contribution, Feedback, Signal

__all__ = [
    "contribution_records",
    "feedback_records",
    "histories",
    "next_signal_id",
    "save_changes",
    "signal_records",
]

SIGNAL_COLUMNS = SignalRecord._fields
_DIGEST = SIGNAL_COLUMNS.index("digest")
# The records say "member"; the tables, "member_id".
CONTRIBUTION_COLUMNS = tuple(f.replace("member", "member_id") for f in ContributionRecord._fields)
FEEDBACK_COLUMNS = tuple(f.replace("member", "member_id") for f in FeedbackRecord._fields)


def _signal(row) -> SignalRecord:
    return SignalRecord(*row)


def _contribution(row) -> ContributionRecord:
    signal_id, member, statement_id, labels, *rest = row
    kept = UNREADABLE if labels_damage(labels) else tuple(labels)
    return ContributionRecord(signal_id, member, statement_id, kept, *rest)


def signal_records(session: Session, digests: Sequence[bytes]) -> dict[bytes, SignalRecord]:
    """The signals that exist among ``digests``, by digest."""
    rows = bulk_select(session, Signal.__table__, SIGNAL_COLUMNS, "digest", set(digests))
    return {row[_DIGEST]: _signal(row) for row in rows}


def contribution_records(
    session: Session, signal_ids: Sequence[int], member: str | None = None
) -> list[ContributionRecord]:
    """Contributions to these signals (of one member when given), any status."""
    where = None if member is None else ("member_id", member)
    rows = bulk_select(
        session, Contribution.__table__, CONTRIBUTION_COLUMNS, "signal_id", signal_ids, where
    )
    return [_contribution(row) for row in rows]


def feedback_records(session: Session, signal_ids: Sequence[int]) -> list[FeedbackRecord]:
    """Every member's verdict on these signals."""
    rows = bulk_select(session, Feedback.__table__, FEEDBACK_COLUMNS, "signal_id", signal_ids)
    return [FeedbackRecord(*row) for row in rows]


def histories(
    session: Session, digests: Sequence[bytes], *, with_feedback: bool = False
) -> dict[bytes, SignalHistory]:
    """The history of each signal among ``digests`` that exists (feedback only when
    asked: submissions and retractions do not look at it). A damaged signal among them
    raises ``DamagedState``: no statement builds on a state that does not read."""
    signals = signal_records(session, digests)
    by_id = {s.id: s for s in signals.values()}
    for s in by_id.values():
        if (reason := signal_damage(s)) is not None:
            raise DamagedState(s.id, reason)
    contributions: dict[int, list[ContributionRecord]] = {}
    for c in contribution_records(session, list(by_id)):
        if c.labels is UNREADABLE or not isinstance(c.created_at, datetime):
            raise DamagedState(c.signal_id, "a contribution does not read")
        contributions.setdefault(c.signal_id, []).append(c)
    verdicts: dict[int, list[FeedbackRecord]] = {}
    if with_feedback:
        for f in feedback_records(session, list(by_id)):
            verdicts.setdefault(f.signal_id, []).append(f)
    return {
        digest: SignalHistory(s, tuple(contributions.get(s.id, ())), tuple(verdicts.get(s.id, ())))
        for digest, s in signals.items()
    }


def next_signal_id(session: Session) -> int:
    """The id the next new signal takes. The caller holds the log lock, and only
    statements (which take it) insert signals, so no two writers pick the same ids."""
    return (session.scalar(select(func.max(Signal.id))) or 0) + 1


def save_changes(session: Session, changes: Iterable[Change]) -> None:
    """Write the records the transitions returned: inserts in bulk; updates grouped by
    the fields they set, and by value where a statement sets the same ones everywhere."""
    inserts: dict[type, list] = {}
    updates: dict[tuple[type, tuple[str, ...]], list] = {}
    for record, new, fields in changes:
        if new:
            inserts.setdefault(type(record), []).append(record)
        else:
            updates.setdefault((type(record), fields), []).append(record)
    for kind, model in MODELS.items():  # signals first: the others refer to them
        if kind in inserts:
            bulk_insert(session, model.__table__, COLUMNS[kind], inserts[kind])
        for (of_kind, fields), records in updates.items():
            if of_kind is kind:
                _update(session, kind, fields, records)


MODELS = {SignalRecord: Signal, ContributionRecord: Contribution, FeedbackRecord: Feedback}
COLUMNS = {
    SignalRecord: SIGNAL_COLUMNS,
    ContributionRecord: CONTRIBUTION_COLUMNS,
    FeedbackRecord: FEEDBACK_COLUMNS,
}


def _update(session: Session, kind: type, fields: tuple[str, ...], records: list) -> None:
    table = MODELS[kind].__table__
    conn = session.connection()
    if kind is SignalRecord:
        # A statement stamps its signals alike (a status, its time, its log index): one
        # UPDATE per distinct set of values over IN lists beats one per signal.
        groups: dict[tuple, list[int]] = {}
        values_of = attrgetter(*fields) if len(fields) > 1 else lambda r: (getattr(r, fields[0]),)
        for r in records:
            groups.setdefault(values_of(r), []).append(r.id)
        for values, ids in groups.items():
            statement = (
                update(table)
                .where(matches_keys(table.c.id, conn.dialect))
                .values(dict(zip(fields, values, strict=True)))
            )
            for chunk in key_chunks(ids, conn.dialect):
                conn.execute(statement, {"keys": chunk})
        return
    statement = (
        update(table)
        .where(table.c.signal_id == bindparam("k_signal_id"))
        .where(table.c.member_id == bindparam("k_member"))
        .values({f: bindparam(f"v_{f}") for f in fields})
    )
    params = []
    for r in records:
        values = {f"v_{f}": getattr(r, f) for f in fields}
        if "labels" in fields:
            values["v_labels"] = list(r.labels)
        values["k_signal_id"], values["k_member"] = r.signal_id, r.member
        params.append(values)
    conn.execute(statement, params)
