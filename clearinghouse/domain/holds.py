"""Held signals, pure: the safety valve for a signal that suddenly matches far more
queries than the signals of its type do (a too-generic hash, a poisoned submission).

A held signal still matches, marked held, and leaves the feeds and pushes that keep only
confirmed signals until it is released. The server's checker or the operator holds it;
the operator or a member contributing it releases it. ``hold`` and ``release`` are the
rule: the services apply them under the log lock, and the log fold applies the same to
every hold and release entry. ``over_baseline`` is the checker's test.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from clearinghouse.domain.transitions import Refused
from clearinghouse.wire import HOLDERS

__all__ = ["OPERATOR", "HoldRecord", "hold", "is_held", "over_baseline", "release"]

OPERATOR = "operator"  # who holds or releases from the command line


class HoldRecord(NamedTuple):
    """A signal's last hold or release: the log entry that made it, and why."""

    signal_id: int
    status: str  # "held" or "released"
    by: str  # a holder, or the releasing member's id
    reason: str
    at: datetime
    log_index: int  # the entry's log index


def is_held(record: HoldRecord | None) -> bool:
    return record is not None and record.status == "held"


def over_baseline(matches: int, baseline: float | None, multiple: float, floor: int) -> bool:
    """Whether a signal with ``matches`` in the current window is held: at least
    ``floor`` (0: never) and more than ``multiple`` times its type's ``baseline`` (the
    mean matches of a matched signal of the type per window before; None: no history,
    taken as one match)."""
    if floor <= 0 or matches < floor:
        return False
    return matches > multiple * (1.0 if baseline is None else baseline)


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
        raise Refused("hold", f"signal {signal_id} is held since entry {current.log_index}")
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
    return HoldRecord(signal_id, "released", by, reason, now, index)
