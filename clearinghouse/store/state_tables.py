"""The whole state, table by table, as the domain's records: read for ``db check``,
written for ``db rebuild``. Statement references are given as log indexes, which the log
fixes, rather than statement ids, which a database's sequence hands out."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearinghouse.domain import ContributionRecord, FeedbackRecord, SignalRecord
from clearinghouse.domain.incidents import IncidentRecord
from clearinghouse.domain.log_state import KeyRecord, MemberRecord, StatementRecord
from clearinghouse.store import app_state
from clearinghouse.store.bulk import bulk_insert
from clearinghouse.store.histories import CONTRIBUTION_COLUMNS, FEEDBACK_COLUMNS, SIGNAL_COLUMNS
from clearinghouse.store.incidents import all_incidents, write_incidents
from clearinghouse.store.models import (
    Contribution,
    Feedback,
    Member,
    MemberKey,
    Signal,
    Statement,
)

__all__ = [
    "StoredState",
    "is_empty",
    "read_state",
    "rewrite_signal",
    "set_responses",
    "statement_ids",
    "write_state",
]

TAXONOMY_STATE = "taxonomy_digest"


def _utc(moment: datetime | None) -> datetime | None:
    # SQLite hands times back without their zone; they were written in UTC. Anything
    # else (a damaged row's value) is kept as read, for db check to name.
    if not isinstance(moment, datetime) or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


class StoredState:
    """The state tables, keyed the way ``db check`` compares them."""

    def __init__(self) -> None:
        self.members: dict[str, MemberRecord] = {}
        self.keys: dict[str, KeyRecord] = {}
        self.signals: dict[int, SignalRecord] = {}
        self.contributions: dict[tuple[int, str], ContributionRecord] = {}
        self.feedback: dict[tuple[int, str], FeedbackRecord] = {}
        self.statements: dict[int, StatementRecord] = {}
        self.incidents: dict[str, IncidentRecord] = {}
        self.taxonomy_digest: str | None = None
        self.unreadable: list[str] = []  # rows that refer to nothing


def read_state(session: Session) -> StoredState:
    """Every state table, statement ids turned into the statements' log indexes."""
    out = StoredState()
    for m in session.scalars(select(Member)):
        roles = tuple(sorted(r for r in m.roles.split(",") if r))
        out.members[m.id] = MemberRecord(m.id, m.name, roles, m.status, _utc(m.created_at))
    for k in session.scalars(select(MemberKey)):
        out.keys[k.key_id] = KeyRecord(
            k.key_id, k.member_id, bytes(k.public_key), k.status, _utc(k.created_at),
            _utc(k.revoked_at),
        )  # fmt: skip
    index_of: dict[int, int] = {}
    for s in session.scalars(select(Statement)):
        index_of[s.id] = s.log_index
        items = s.response.get("items", []) if isinstance(s.response, dict) else []
        answered = tuple((i.get("signal_id"), i.get("status")) for i in items)
        out.statements[s.log_index] = StatementRecord(
            s.log_index, s.kind, s.member_id, s.key_id, bytes(s.envelope_digest),
            _utc(s.created_at), answered,
        )  # fmt: skip
    conn = session.connection()
    table = Signal.__table__
    for row in conn.execute(select(*[table.c[c] for c in SIGNAL_COLUMNS])):
        r = SignalRecord(*row)
        out.signals[r.id] = r._replace(
            digest=bytes(r.digest), first_seen=_utc(r.first_seen), last_seen=_utc(r.last_seen)
        )
    table = Contribution.__table__
    for row in conn.execute(select(*[table.c[c] for c in CONTRIBUTION_COLUMNS])):
        r = ContributionRecord(*row)
        out.contributions[(r.signal_id, r.member)] = r._replace(
            labels=tuple(r.labels) if isinstance(r.labels, list) else (r.labels or ()),
            statement_id=_index(index_of, r.statement_id, out, "contribution"),
            retraction_statement_id=_index(index_of, r.retraction_statement_id, out, "retraction"),
            created_at=_utc(r.created_at),
            retracted_at=_utc(r.retracted_at),
        )
    table = Feedback.__table__
    for row in conn.execute(select(*[table.c[c] for c in FEEDBACK_COLUMNS])):
        r = FeedbackRecord(*row)
        out.feedback[(r.signal_id, r.member)] = r._replace(
            statement_id=_index(index_of, r.statement_id, out, "feedback"),
            created_at=_utc(r.created_at),
        )
    out.incidents = {r.slug: r for r in all_incidents(session)}
    out.taxonomy_digest = app_state.get(session, TAXONOMY_STATE)
    return out


def _index(index_of: dict[int, int], statement_id: int | None, out: StoredState, what: str):
    if statement_id is None:
        return None
    if statement_id not in index_of:
        out.unreadable.append(f"a {what} refers to statement {statement_id}, which is missing")
        return -1
    return index_of[statement_id]


def is_empty(session: Session) -> bool:
    """No member, no statement, no signal: a database a rebuild may fill."""
    return not any(
        session.scalar(select(func.count()).select_from(model))
        for model in (Member, Statement, Signal)
    )


def write_state(
    session: Session,
    members: list[MemberRecord],
    keys: list[KeyRecord],
    statements: list[StatementRecord],
    signals: list[SignalRecord],
    contributions: list[ContributionRecord],
    feedback: list[FeedbackRecord],
    taxonomy_digest: str | None,
    incidents: list[IncidentRecord] = (),
) -> dict[int, int]:
    """Write a whole state into empty tables (records refer to statements by log index);
    return log index → statement id."""
    for m in members:
        session.add(Member(id=m.id, name=m.name, roles=",".join(m.roles), status=m.status,
                           created_at=m.created_at))  # fmt: skip
    session.flush()
    for k in keys:
        session.add(MemberKey(key_id=k.key_id, member_id=k.member, public_key=k.public_key,
                              status=k.status, created_at=k.created_at,
                              revoked_at=k.revoked_at))  # fmt: skip
    rows = [
        Statement(kind=s.kind, member_id=s.member, key_id=s.key_id,
                  envelope_digest=s.envelope_digest, log_index=s.log_index, response={},
                  created_at=s.created_at)
        for s in statements
    ]  # fmt: skip
    session.add_all(rows)
    session.flush()
    ids = {row.log_index: row.id for row in rows}
    bulk_insert(session, Signal.__table__, SIGNAL_COLUMNS, signals)
    _insert_histories(session, contributions, feedback, ids)
    write_incidents(session, list(incidents))
    if taxonomy_digest is not None:
        app_state.put(session, TAXONOMY_STATE, taxonomy_digest)
    return ids


def set_responses(session: Session, responses: dict[int, Any]) -> None:
    """Store each statement's answer, by statement id."""
    for statement_id, response in responses.items():
        session.get(Statement, statement_id).response = response
    session.flush()


def rewrite_signal(
    session: Session,
    signal: SignalRecord,
    contributions: list[ContributionRecord],
    feedback: list[FeedbackRecord],
    statement_ids: dict[int, int],
    exists: bool,
) -> None:
    """Put one signal's rows back as ``signal`` and its records say (records refer to
    statements by log index, mapped through ``statement_ids``). The signal row is updated
    in place (suppressions refer to it); its contributions and feedback are rewritten."""
    table = Signal.__table__
    if exists:
        values = dict(zip(SIGNAL_COLUMNS, signal, strict=True))
        session.execute(table.update().where(table.c.id == signal.id).values(**values))
    else:
        bulk_insert(session, table, SIGNAL_COLUMNS, [signal])
    for model in (Contribution, Feedback):
        session.execute(model.__table__.delete().where(model.__table__.c.signal_id == signal.id))
    _insert_histories(session, contributions, feedback, statement_ids)


def _insert_histories(
    session: Session,
    contributions: list[ContributionRecord],
    feedback: list[FeedbackRecord],
    ids: dict[int, int],
) -> None:
    """Insert contributions and feedback whose statements are given by log index."""

    def sid(index: int | None) -> int | None:
        return None if index is None else ids[index]

    bulk_insert(
        session, Contribution.__table__, CONTRIBUTION_COLUMNS,
        [c._replace(statement_id=sid(c.statement_id),
                    retraction_statement_id=sid(c.retraction_statement_id))
         for c in contributions],
    )  # fmt: skip
    bulk_insert(
        session, Feedback.__table__, FEEDBACK_COLUMNS,
        [f._replace(statement_id=sid(f.statement_id)) for f in feedback],
    )  # fmt: skip


def statement_ids(session: Session) -> dict[int, int]:
    """Log index → statement id of every stored statement."""
    return dict(session.execute(select(Statement.log_index, Statement.id)).all())
