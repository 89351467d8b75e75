"""Declared incidents: their rows, and their actions as the log holds them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearinghouse.domain.incidents import IncidentRecord
from clearinghouse.store.models import Incident, LogEntry
from clearinghouse.wire import b64decode

__all__ = ["all_incidents", "get_incident", "incident_entries", "save_incident", "write_incidents"]

_COLUMNS = IncidentRecord._fields


def _utc(moment: datetime | None) -> datetime | None:
    # SQLite hands times back without their zone; they were written in UTC.
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


def _record(row: Incident) -> IncidentRecord:
    return IncidentRecord(
        row.slug, row.title, row.summary, row.status, row.declared_by, _utc(row.declared_at),
        _utc(row.updated_at), _utc(row.concluded_at), row.declared_index, row.updated_index,
    )  # fmt: skip


def get_incident(session: Session, slug: str) -> IncidentRecord | None:
    row = session.get(Incident, slug)
    return None if row is None else _record(row)


def all_incidents(session: Session) -> list[IncidentRecord]:
    """Every incident, the most recently declared first."""
    query = select(Incident).order_by(Incident.declared_index.desc())
    return [_record(row) for row in session.scalars(query)]


def save_incident(session: Session, record: IncidentRecord) -> None:
    """Insert or replace the row of ``record``."""
    session.merge(Incident(**dict(zip(_COLUMNS, record, strict=True))))
    session.flush()


def write_incidents(session: Session, records: list[IncidentRecord]) -> None:
    """Every incident at once, into an empty table (``db rebuild``)."""
    session.add_all(Incident(**dict(zip(_COLUMNS, r, strict=True))) for r in records)
    session.flush()


def incident_entries(
    session: Session, after: int, upto: int, limit: int
) -> list[tuple[int, datetime, dict]]:
    """``(index, time, payload)`` of the incident entries with ``after < index <= upto``,
    in log order; ``payload`` is the statement's as the member signed it."""
    query = (
        select(LogEntry.idx, LogEntry.created_at, LogEntry.data)
        .where(LogEntry.entry_type == "incident", LogEntry.idx > after, LogEntry.idx <= upto)
        .order_by(LogEntry.idx)
        .limit(limit)
    )
    out = []
    for index, moment, data in session.execute(query):
        envelope = json.loads(bytes(data))["envelope"]
        out.append((index, _utc(moment), json.loads(b64decode(envelope["payload"]))))
    return out
