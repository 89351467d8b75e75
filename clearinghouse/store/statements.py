"""The statements table: one row per accepted envelope, found again by its digest.

A resubmitted envelope is answered with the stored answer of its first acceptance.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from clearinghouse.store.models import Statement

__all__ = ["insert_statement", "set_statement_response", "statement_by_digest"]


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
