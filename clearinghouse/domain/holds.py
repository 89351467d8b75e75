"""Held signals, pure: a safety valve for a signal that suddenly matches far more than
the signals of its type usually do (a too-generic hash, a poisoned submission).

A held signal still matches, marked held; it leaves the feeds and pushes that keep only
confirmed signals until it is released. The server's checker or the operator holds a
signal; the operator or a member contributing it releases it. ``hold`` and ``release``
are the rule: the services apply them under the log lock, and the log fold applies the
same to every hold and release entry.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from clearinghouse.domain.transitions import Refused
from clearinghouse.wire import HOLDERS

__all__ = ["OPERATOR", "HoldRecord", "hold", "is_held", "release", "released_since"]

OPERATOR = "operator"  # who holds or releases from the command line


class HoldRecord(NamedTuple):
    """The last hold of one signal, and its release once released."""

    signal_id: int
    status: str  # "held" or "released"
    held_by: str  # one of wire.HOLDERS
    reason: str
    held_at: datetime
    held_index: int
    released_by: str | None = None  # "operator" or the releasing member's id
    release_reason: str | None = None
    released_at: datetime | None = None
    released_index: int | None = None


def is_held(record: HoldRecord | None) -> bool:
    return record is not None and record.status == "held"


def released_since(record: HoldRecord | None, moment: datetime) -> bool:
    """Whether the signal was released at or after ``moment`` (the checker leaves it be
    for the rest of the window it was released in)."""
    return (
        record is not None
        and record.released_at is not None
        and record.released_at >= moment
        and not is_held(record)
    )


def hold(
    current: HoldRecord | None,
    *,
    signal_id: int,
    signal_status: str | None,
    by: str,
    reason: str,
    now: datetime,
    index: int,
) -> HoldRecord:
    """The hold of signal ``signal_id`` (``signal_status`` None: no such signal) by the
    checker or the operator; ``Refused`` when it cannot be held."""
    if by not in HOLDERS:
        raise Refused("by", f"a signal is held by one of {', '.join(HOLDERS)}, not {by!r}")
    if signal_status is None:
        raise Refused("signal", f"no signal {signal_id}")
    if signal_status != "active":
        raise Refused("signal", f"signal {signal_id} is {signal_status}")
    if is_held(current):
        raise Refused("hold", f"signal {signal_id} is held since entry {current.held_index}")
    if not reason.strip():
        raise Refused("reason", "a hold needs a reason")
    return HoldRecord(signal_id, "held", by, reason, now, index)


def release(
    current: HoldRecord | None,
    *,
    signal_id: int,
    contributors: tuple[str, ...],
    by: str,
    reason: str,
    now: datetime,
    index: int,
) -> HoldRecord:
    """The release of a held signal by the operator or by ``by``, a member among its
    active ``contributors``; ``Refused`` otherwise."""
    if by != OPERATOR and by not in contributors:
        raise Refused("member", f"{by!r} contributes no signal {signal_id}")
    if not is_held(current):
        raise Refused("hold", f"signal {signal_id} is not held")
    if not reason.strip():
        raise Refused("reason", "a release needs a reason")
    return current._replace(
        status="released",
        released_by=by,
        release_reason=reason,
        released_at=now,
        released_index=index,
    )
