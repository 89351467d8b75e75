"""Aggregates for the transparency report: counts by type, label set, member and month.

Every query groups in the database and returns a few rows per month, type or member,
never one per signal. Months are ``YYYY-MM`` text in UTC.
"""

from __future__ import annotations

from sqlalchemy import String, and_, case, cast, func, select
from sqlalchemy.orm import Session

from clearinghouse.store import standing
from clearinghouse.store.damage import labels_damage
from clearinghouse.store.models import Contribution, Feedback, Member, Signal

__all__ = [
    "contributions_by_month",
    "feedback_by_month",
    "label_sets",
    "member_activity",
    "signal_states_count",
    "signals_by_type_and_month",
]


def _month(session: Session, column):
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    return func.strftime("%Y-%m", column)


def signals_by_type_and_month(session: Session) -> list[tuple[str, str, int]]:
    """``(signal_type, month first seen, count)``."""
    month = _month(session, Signal.first_seen)
    rows = session.execute(
        select(Signal.signal_type, month, func.count()).group_by(Signal.signal_type, month)
    )
    # A time that is not one (a damaged row) has no month: it is left out of the counts.
    return [(t, m, n) for t, m, n in rows if m is not None]


def contributions_by_month(session: Session) -> list[tuple[str, int, int, int]]:
    """``(month, submitted, corroborating, retracted)``: contributions made that month,
    those among them to a signal another member had first, and retractions that month."""
    made = _month(session, Contribution.created_at)
    later = case((Contribution.created_at > Signal.first_seen, 1), else_=0)
    submitted = session.execute(
        select(made, func.count(), func.sum(later))
        .join(Signal, Signal.id == Contribution.signal_id)
        .group_by(made)
    ).all()
    gone = _month(session, Contribution.retracted_at)
    retracted = dict(
        session.execute(
            select(gone, func.count()).where(Contribution.retracted_at.is_not(None)).group_by(gone)
        ).all()
    )
    out: dict[str, list[int]] = {m: [n, int(c or 0), 0] for m, n, c in submitted if m}
    for month, n in retracted.items():
        if month is None:
            continue
        out.setdefault(month, [0, 0, 0])[2] = n
    return sorted((m, *v) for m, v in out.items())


def feedback_by_month(session: Session) -> list[tuple[str, int, int]]:
    """``(month, agree, disagree)`` of current verdicts by the month they were given."""
    month = _month(session, Feedback.created_at)
    agree = func.sum(case((Feedback.verdict == "agree", 1), else_=0))
    rows = session.execute(select(month, agree, func.count()).group_by(month))
    return sorted((m, int(a or 0), n - int(a or 0)) for m, a, n in rows if m is not None)


def label_sets(session: Session) -> list[tuple[str, str, int]]:
    """``(labels as stored JSON text, month contributed, count)`` of active contributions;
    few distinct sets a month."""
    text = cast(Contribution.labels, String)
    month = _month(session, Contribution.created_at)
    rows = session.execute(
        select(text, month, func.count())
        .where(Contribution.status == "active")
        .group_by(text, month)
    )
    # Damaged stored labels (or times) are left out; db check names their rows.
    return [(t, m, n) for t, m, n in rows if m is not None and labels_damage(t) is None]


def signal_states_count(session: Session, confirm_threshold: int) -> dict[str, int]:
    """How many signals are active, retracted, confirmed and disputed now, by the rules
    ``store/standing`` mirrors; confirmed and disputed count active signals only (a
    retracted one is neither any more)."""
    by_status = dict(
        session.execute(select(Signal.status, func.count()).group_by(Signal.status)).all()
    )
    confirmed_ids = standing.confirmed_signals(confirm_threshold).subquery()
    confirmed = session.scalar(select(func.count()).select_from(confirmed_ids)) or 0
    disputed_ids = (
        standing.disputed_signals()
        .join(Signal, Signal.id == Feedback.signal_id)
        .where(Signal.status == "active")
        .subquery()
    )
    disputed = session.scalar(select(func.count()).select_from(disputed_ids)) or 0
    return {
        "active": by_status.get("active", 0),
        "retracted": by_status.get("retracted", 0),
        "confirmed": confirmed,
        "disputed": disputed,
    }


def member_activity(session: Session) -> list[tuple[str, str, int, int, int]]:
    """``(member, status, contributions, retracted, verdicts)`` for every member."""
    made = dict(
        session.execute(
            select(Contribution.member_id, func.count()).group_by(Contribution.member_id)
        ).all()
    )
    retracted = dict(
        session.execute(
            select(Contribution.member_id, func.count())
            .where(and_(Contribution.status == "retracted"))
            .group_by(Contribution.member_id)
        ).all()
    )
    verdicts = dict(
        session.execute(select(Feedback.member_id, func.count()).group_by(Feedback.member_id)).all()
    )
    members = session.execute(select(Member.id, Member.status).order_by(Member.id)).all()
    return [(m, s, made.get(m, 0), retracted.get(m, 0), verdicts.get(m, 0)) for m, s in members]
