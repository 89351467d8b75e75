"""Holding and releasing signals (DESIGN §15): each is a log entry, applied by the rule
of ``domain/holds.py`` under the log lock, and stamps the signal so that the feed, the
pushes and every process's views see the change.

The server's checker (``hold_checker.py``) and the operator hold; the operator
(``clearinghouse holds release``) or a contributor of the signal releases.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from clearinghouse.domain.holds import OPERATOR, HoldRecord, hold, release
from clearinghouse.domain.transitions import Refused
from clearinghouse.errors import Conflict, Forbidden, InvalidInput, NotFound
from clearinghouse.services.use_cases.log_entries import encode_entry
from clearinghouse.services.use_cases.log_writes import log_transaction
from clearinghouse.store import Session
from clearinghouse.store import holds as rows
from clearinghouse.store.histories import contribution_records
from clearinghouse.store.log import append_entries
from clearinghouse.store.models import Signal
from clearinghouse.wire import iso

if TYPE_CHECKING:
    from clearinghouse.store.db import Database

__all__ = [
    "REASON_LIMIT",
    "apply_hold",
    "check_reason",
    "hold_signal",
    "listing",
    "release_signal",
    "shown",
]

REASON_LIMIT = 500  # characters of a hold's or release's reason


def shown(record: HoldRecord) -> dict:
    """The public shape of a signal's last hold or release."""
    return {
        "signal_id": record.signal_id,
        "status": record.status,
        "by": record.by,
        "reason": record.reason,
        "time": iso(record.at),
        "log_index": record.log_index,
    }


def check_reason(reason: object, where: str = "reason") -> str:
    """A reason as the log keeps it: text of 1 to ``REASON_LIMIT`` printable characters."""
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidInput(f"{where}: a reason is required")
    if len(reason) > REASON_LIMIT or not reason.isprintable():
        raise InvalidInput(f"{where}: at most {REASON_LIMIT} printable characters on one line")
    return reason


def _refused(refused: Refused) -> Exception:
    if refused.field == "member":  # not a contributor: the same whether the signal exists
        return Forbidden(f"{refused.field}: {refused.reason}")
    error = NotFound if refused.field == "signal" and "no signal" in refused.reason else Conflict
    return error(f"{refused.field}: {refused.reason}")


def apply_hold(
    session: Session, signal_id: int, make: Callable[..., HoldRecord], **entry: str
) -> HoldRecord:
    """Apply ``make(current, status, contributors)`` to the signal and save it; the
    caller appends the entry. ``Refused`` is raised as the problem it is."""
    signal = session.get(Signal, signal_id)
    status = None if signal is None else signal.status
    contributors = tuple(
        sorted(c.member for c in contribution_records(session, [signal_id]) if c.status == "active")
    )
    try:
        record = make(rows.get_hold(session, signal_id), status, contributors)
    except Refused as refused:
        raise _refused(refused) from None
    rows.save_hold(session, record)
    return record


def hold_signal(db: Database, signal_id: int, reason: str, *, by: str = OPERATOR) -> dict:
    """Hold one signal (the checker, or the operator); logged."""
    check_reason(reason)
    with log_transaction(db) as (session, now, index):

        def make(current, status, _contributors):
            return hold(
                current, signal_id=signal_id, signal_status=status, by=by, reason=reason,
                now=now, index=index,
            )  # fmt: skip

        record = apply_hold(session, signal_id, make)
        entry = encode_entry("signal_held", now, signal_id=signal_id, by=by, reason=reason)
        append_entries(session, [("signal_held", entry)], now)
    return shown(record)


def release_signal(db: Database, signal_id: int, reason: str) -> dict:
    """The operator's release of a held signal; logged."""
    check_reason(reason)
    with log_transaction(db) as (session, now, index):

        def make(current, _status, contributors):
            return release(
                current, signal_id=signal_id, contributors=contributors, by=OPERATOR,
                reason=reason, now=now, index=index,
            )  # fmt: skip

        record = apply_hold(session, signal_id, make)
        entry = encode_entry(
            "signal_released", now, signal_id=signal_id, by=OPERATOR, reason=reason
        )
        append_entries(session, [("signal_released", entry)], now)
    return shown(record)


def listing(db: Database) -> list[dict]:
    """Every signal held now, with its hold."""
    with db.read() as session:
        records = rows.all_holds(session)
    return [shown(r) for _, r in sorted(records.items()) if r.status == "held"]
