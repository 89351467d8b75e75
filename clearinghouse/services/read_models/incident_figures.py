"""What the site and the report show of each declared incident (DESIGN §14): when it was
declared, updated and concluded, how long after its declaration the first hash carrying
its label arrived, new signals by type over time, the contributing members and their
corroborations.

Counted from the contributions carrying the incident's label ``incident:<slug>``; a
contribution to a signal another member had shared first is a corroboration, any other
brings a new signal. Nothing here names a hash value or a region.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from clearinghouse.domain.incidents import IncidentRecord
from clearinghouse.errors import NotFound
from clearinghouse.store import Session
from clearinghouse.store import incidents as incident_rows
from clearinghouse.store.incident_figures import ContributionGroup, incident_contributions
from clearinghouse.wire import INCIDENT_SLUG, iso

if TYPE_CHECKING:
    from clearinghouse.store.db import Database

__all__ = ["describe", "incident_page", "incidents_page", "shown", "summaries", "waited"]

HOURLY_UP_TO = timedelta(hours=72)  # longer incidents are drawn by day
DAILY_UP_TO = timedelta(days=120)  # and longer still by month


def incidents_page(db: Database) -> dict:
    """Every incident, the latest declared first, with its figures."""
    with db.read() as session:
        return {"incidents": summaries(session)}


def incident_page(db: Database, slug: str) -> dict:
    """One incident with its figures and its signals by type over time."""
    if not INCIDENT_SLUG.fullmatch(slug) or len(slug) > 63:
        raise NotFound(f"no incident {slug!r}")
    with db.read() as session:
        record = incident_rows.get_incident(session, slug)
        if record is None:
            raise NotFound(f"no incident {slug!r}")
        groups = incident_contributions(session, slug)
    return describe(record, groups)


def summaries(session: Session) -> list[dict]:
    """Each incident's figures, the latest declared first."""
    records = incident_rows.all_incidents(session)
    if not records:
        return []
    by_slug: dict[str, list[ContributionGroup]] = {r.slug: [] for r in records}
    for group in incident_contributions(session):
        for slug in _slugs(group.labels):
            by_slug.get(slug, []).append(group)
    return [describe(r, by_slug[r.slug]) for r in records]


def _slugs(labels_text: str) -> set[str]:
    labels = json.loads(labels_text) if labels_text else []
    return {label[len("incident:") :] for label in labels if label.startswith("incident:")}


def describe(record: IncidentRecord, groups: Iterable[ContributionGroup]) -> dict:
    """The figures of one incident from its contribution groups."""
    groups = [g for g in groups if record.slug in _slugs(g.labels)]
    first = min((g.first for g in groups), default=None)
    members: dict[str, dict] = {}
    new_by_type: dict[str, int] = {}
    for g in groups:
        m = members.setdefault(
            g.member,
            {"member": g.member, "contributions": 0, "corroborations": 0, "retracted": 0},
        )
        m["contributions"] += g.contributions
        m["corroborations"] += g.corroborations
        m["retracted"] += g.retracted
        new_by_type[g.signal_type] = new_by_type.get(g.signal_type, 0) + _new(g)
    out = {
        **shown(record),
        "first_hash": None if first is None else iso(first),
        "seconds_to_first_hash": (
            None if first is None else max(0, int((first - record.declared_at).total_seconds()))
        ),
        "signals": sum(new_by_type.values()),
        "signals_by_type": dict(sorted(new_by_type.items())),
        "contributions": sum(m["contributions"] for m in members.values()),
        "corroborations": sum(m["corroborations"] for m in members.values()),
        "members": sorted(members.values(), key=lambda m: (-m["contributions"], m["member"])),
    }
    out["waited"] = waited(out["seconds_to_first_hash"])
    out["timeline"] = _timeline(record, groups)
    return out


def _new(group: ContributionGroup) -> int:
    return group.contributions - group.corroborations


def _timeline(record: IncidentRecord, groups: list[ContributionGroup]) -> dict:
    """New signals by type in consecutive periods from the declaration to the last hash
    (or the conclusion): hours, days or months, whichever keeps the chart readable."""
    start = record.declared_at
    end = max([start, *(g.hour for g in groups), *filter(None, [record.concluded_at])])
    span = end - start
    unit = "hour" if span <= HOURLY_UP_TO else "day" if span <= DAILY_UP_TO else "month"
    periods = _periods(_floor(start, unit), end, unit)
    types = sorted({g.signal_type for g in groups})
    counts = {t: dict.fromkeys(periods, 0) for t in types}
    for g in groups:
        period = _floor(g.hour, unit)
        if period in counts[g.signal_type]:  # always, unless a clock went back
            counts[g.signal_type][period] += _new(g)
    return {
        "unit": unit,
        "periods": [_period_name(p, unit) for p in periods],
        "period_starts": [iso(p) for p in periods],
        "types": types,
        "new_signals": {t: list(by_period.values()) for t, by_period in counts.items()},
    }


def _floor(moment: datetime, unit: str) -> datetime:
    moment = moment.replace(minute=0, second=0, microsecond=0)
    if unit == "hour":
        return moment
    moment = moment.replace(hour=0)
    return moment if unit == "day" else moment.replace(day=1)


def _periods(first: datetime, end: datetime, unit: str) -> list[datetime]:
    out = [first]
    while True:
        nxt = _next(out[-1], unit)
        if nxt > end:
            return out
        out.append(nxt)


def _next(moment: datetime, unit: str) -> datetime:
    if unit == "hour":
        return moment + timedelta(hours=1)
    if unit == "day":
        return moment + timedelta(days=1)
    year, month = divmod(moment.month, 12)
    return moment.replace(year=moment.year + year, month=month + 1)


def _period_name(moment: datetime, unit: str) -> str:
    return moment.strftime({"hour": "%m-%d %H:00", "day": "%Y-%m-%d", "month": "%Y-%m"}[unit])


def waited(seconds: int | None) -> str:
    """A duration for people: ``"42 s"``, ``"3 min 5 s"``, ``"2 h 10 min"``, ``"3 d 4 h"``."""
    if seconds is None:
        return "no hash yet"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"


def shown(record: IncidentRecord) -> dict:
    """The public shape of an incident."""
    return {
        "incident": record.slug,
        "label": f"incident:{record.slug}",
        "title": record.title,
        "summary": record.summary,
        "status": record.status,
        "declared_by": record.declared_by,
        "declared": iso(record.declared_at),
        "updated": iso(record.updated_at),
        "concluded": None if record.concluded_at is None else iso(record.concluded_at),
    }
