"""Reads behind the transparency site's pages: a window of log entries, one signal's
history, and the site's sign-in links and sessions. Every read is bounded: pages touch
a primary-key range of the log, never the whole of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from clearinghouse.store.models import (
    Contribution,
    Feedback,
    LogEntry,
    Member,
    Signal,
    SiteSession,
    Statement,
)

__all__ = [
    "EntryRow",
    "SignalHistory",
    "create_site_token",
    "drop_site_token",
    "entries_newest_first",
    "entry_time",
    "find_site_token",
    "signal_history",
    "statement_log_index",
    "take_site_token",
]


@dataclass(frozen=True)
class EntryRow:
    index: int
    entry_type: str
    data: bytes
    created_at: datetime


def entries_newest_first(session: Session, start: int, end: int) -> list[EntryRow]:
    """Entries with start <= index < end, newest first."""
    rows = session.execute(
        select(LogEntry.idx, LogEntry.entry_type, LogEntry.data, LogEntry.created_at)
        .where(LogEntry.idx >= start, LogEntry.idx < end)
        .order_by(LogEntry.idx.desc())
    )
    return [EntryRow(i, t, bytes(d), c) for i, t, d, c in rows]


def entry_time(session: Session, index: int) -> datetime | None:
    """When entry ``index`` was appended (None when there is no such entry)."""
    return session.scalar(select(LogEntry.created_at).where(LogEntry.idx == index))


@dataclass(frozen=True)
class SignalHistory:
    signal: Signal
    contributions: list[tuple[Contribution, int]]  # with the log index of the statement
    retractions: list[tuple[Contribution, int]]
    feedback: list[tuple[Feedback, int]]


def statement_log_index(session: Session, statement_id: int) -> int | None:
    """The log index of one accepted statement."""
    return session.scalar(select(Statement.log_index).where(Statement.id == statement_id))


def signal_history(session: Session, signal_id: int) -> SignalHistory | None:
    """One signal with every contribution, retraction and verdict, and their log indexes."""
    signal = session.get(Signal, signal_id)
    if signal is None:
        return None
    added = session.execute(
        select(Contribution, Statement.log_index)
        .join(Statement, Statement.id == Contribution.statement_id)
        .where(Contribution.signal_id == signal_id)
        .order_by(Contribution.created_at, Contribution.id)
    ).all()
    retracted = session.execute(
        select(Contribution, Statement.log_index)
        .join(Statement, Statement.id == Contribution.retraction_statement_id)
        .where(Contribution.signal_id == signal_id)
        .order_by(Contribution.retracted_at, Contribution.id)
    ).all()
    verdicts = session.execute(
        select(Feedback, Statement.log_index)
        .join(Statement, Statement.id == Feedback.statement_id)
        .where(Feedback.signal_id == signal_id)
        .order_by(Feedback.created_at, Feedback.id)
    ).all()
    return SignalHistory(
        signal,
        [(c, i) for c, i in added],
        [(c, i) for c, i in retracted],
        [(f, i) for f, i in verdicts],
    )


def create_site_token(
    session: Session, token_hash: str, kind: str, member_id: str, expires_at: int, now: int
) -> None:
    """Record a sign-in link or session; expired ones are swept on the way."""
    session.execute(delete(SiteSession).where(SiteSession.expires_at <= now))
    session.add(
        SiteSession(token_hash=token_hash, kind=kind, member_id=member_id, expires_at=expires_at)
    )
    session.flush()


def take_site_token(session: Session, token_hash: str, kind: str, now: int) -> str | None:
    """Consume an unexpired token of ``kind``: delete it and return its member, once."""
    member_id = session.scalar(
        select(SiteSession.member_id).where(
            SiteSession.token_hash == token_hash,
            SiteSession.kind == kind,
            SiteSession.expires_at > now,
        )
    )
    if member_id is None:
        return None
    # The delete decides between two processes opening the same link at once.
    gone = session.execute(
        delete(SiteSession).where(SiteSession.token_hash == token_hash, SiteSession.kind == kind)
    )
    return member_id if gone.rowcount == 1 else None


def find_site_token(
    session: Session, token_hash: str, kind: str, now: int
) -> tuple[str, frozenset[str], str] | None:
    """``(member, roles, status)`` of an unexpired token of ``kind``, without consuming it."""
    row = session.execute(
        select(Member.id, Member.roles, Member.status)
        .join(SiteSession, SiteSession.member_id == Member.id)
        .where(
            SiteSession.token_hash == token_hash,
            SiteSession.kind == kind,
            SiteSession.expires_at > now,
        )
    ).first()
    if row is None:
        return None
    return row.id, frozenset(r for r in row.roles.split(",") if r), row.status


def drop_site_token(session: Session, token_hash: str) -> None:
    session.execute(delete(SiteSession).where(SiteSession.token_hash == token_hash))
