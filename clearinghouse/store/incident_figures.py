"""Aggregates behind the incidents' pages and their part of the report: the contributions
carrying an ``incident:<slug>`` label, grouped in the database by label set, member,
signal type and hour, so a page reads a few rows per member and hour, never one per
signal. Region hashes are aliases of their signal and are never counted apart.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

from sqlalchemy import String, case, cast, func, select
from sqlalchemy.orm import Session

from clearinghouse.store.models import Contribution, Signal

__all__ = ["ContributionGroup", "incident_contributions"]


class ContributionGroup(NamedTuple):
    """Contributions sharing one label set, member, signal type and hour (UTC)."""

    labels: str  # the label list as stored (JSON text)
    member: str
    signal_type: str
    hour: datetime
    contributions: int
    corroborations: int  # to a signal another member had shared first
    retracted: int
    first: datetime  # the earliest of them


def _hour(session: Session, column):
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), 'YYYY-MM-DD"T"HH24')
    return func.strftime("%Y-%m-%dT%H", column)


def _utc(moment: datetime) -> datetime:
    # SQLite hands times back without their zone; they were written in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def incident_contributions(session: Session, slug: str | None = None) -> list[ContributionGroup]:
    """The groups of contributions carrying the label of incident ``slug`` (of any
    incident when None). Slugs are lowercase words and hyphens, so the text match on
    the stored label list needs no escaping."""
    text = cast(Contribution.labels, String)
    wanted = f'%"incident:{slug}"%' if slug else '%"incident:%'
    hour = _hour(session, Contribution.created_at)
    later = case((Contribution.created_at > Signal.first_seen, 1), else_=0)
    gone = case((Contribution.status == "retracted", 1), else_=0)
    rows = session.execute(
        select(
            text, Contribution.member_id, Signal.signal_type, hour,
            func.count(), func.sum(later), func.sum(gone), func.min(Contribution.created_at),
        )
        .join(Signal, Signal.id == Contribution.signal_id)
        .where(text.like(wanted))
        .group_by(text, Contribution.member_id, Signal.signal_type, hour)
    )  # fmt: skip
    out = []
    for labels, member, signal_type, at, n, corroborating, retracted, first in rows:
        hour = datetime.strptime(at, "%Y-%m-%dT%H").replace(tzinfo=UTC)
        out.append(
            ContributionGroup(labels, member, signal_type, hour, n, int(corroborating or 0),
                              int(retracted or 0), _utc(first))
        )  # fmt: skip
    return out
