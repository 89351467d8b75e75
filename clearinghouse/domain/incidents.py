"""Declared incidents, pure: the record of one and what each action does to it.

``declare`` makes an active incident (its label ``incident:<slug>`` joins the taxonomy),
``update`` changes its title or summary (an empty text keeps the one before), and
``conclude`` ends it. The service applies these under the log lock; the log fold applies
the same to every incident entry.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from clearinghouse.domain.transitions import Refused

__all__ = ["IncidentRecord", "apply_action", "label_of"]


class IncidentRecord(NamedTuple):
    slug: str
    title: str
    summary: str
    status: str  # active | concluded
    declared_by: str
    declared_at: datetime
    updated_at: datetime
    concluded_at: datetime | None
    declared_index: int
    updated_index: int


def label_of(slug: str) -> str:
    """The taxonomy label an incident adds."""
    return f"incident:{slug}"


def apply_action(
    current: IncidentRecord | None,
    *,
    action: str,
    slug: str,
    title: str,
    summary: str,
    member: str,
    now: datetime,
    index: int,
) -> IncidentRecord:
    """The incident after ``action``; ``Refused`` when the action cannot apply to it."""
    if action == "declare":
        if current is not None:
            raise Refused(
                "incident", f"{slug!r} was declared before (at entry {current.declared_index})"
            )
        if not title:
            raise Refused("title", "a declared incident needs a title")
        return IncidentRecord(slug, title, summary, "active", member, now, now, None, index, index)
    if current is None:
        raise Refused("incident", f"no incident {slug!r} was declared")
    if current.status == "concluded":
        raise Refused("incident", f"{slug!r} was concluded; declare a new incident")
    changed = current._replace(
        title=title or current.title,
        summary=summary or current.summary,
        updated_at=now,
        updated_index=index,
    )
    if action == "conclude":
        return changed._replace(status="concluded", concluded_at=now)
    if action == "update":
        return changed
    raise Refused("action", f"unknown action {action!r}")
