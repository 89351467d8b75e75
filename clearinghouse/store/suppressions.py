"""Per-member suppressions: a member's own list of signals it never wants matched.

Private configuration, not shared state: not in the log, read by nobody but the member
and the member's own lookups.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from clearinghouse.store.models import Signal, Suppression

__all__ = ["add_suppression", "all_suppressions", "remove_suppression", "suppressions_of"]


def add_suppression(
    session: Session, member: str, signal_id: int, reason: str, now: datetime
) -> bool | None:
    """Add one (True), or find it there already (False); None when no such signal."""
    if session.get(Signal, signal_id) is None:
        return None
    if session.get(Suppression, (member, signal_id)) is not None:
        return False
    session.add(Suppression(member_id=member, signal_id=signal_id, reason=reason, created_at=now))
    return True


def remove_suppression(session: Session, member: str, signal_id: int) -> bool:
    """Remove one; False when the member had none for that signal."""
    done = session.execute(
        delete(Suppression).where(
            Suppression.member_id == member, Suppression.signal_id == signal_id
        )
    )
    return bool(done.rowcount)


def suppressions_of(session: Session, member: str) -> list[Suppression]:
    """A member's suppressions, by signal id."""
    return list(
        session.scalars(
            select(Suppression)
            .where(Suppression.member_id == member)
            .order_by(Suppression.signal_id)
        )
    )


def all_suppressions(session: Session) -> dict[str, frozenset[int]]:
    """Every member's suppressed signal ids (for the lookups of each process)."""
    out: dict[str, set[int]] = {}
    for member, sid in session.execute(select(Suppression.member_id, Suppression.signal_id)):
        out.setdefault(member, set()).add(sid)
    return {member: frozenset(ids) for member, ids in out.items()}
