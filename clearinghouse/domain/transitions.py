"""What one item of a statement does to one signal: pure functions from a
``SignalHistory`` to an ``Outcome`` (the item's status, the history after, the records
to write). No I/O: the same rules serve statements and the rebuild from the log.

Item statuses (the ``status`` of each item in a statement's answer):

- submission: ``new`` (no other member vouches for it now), ``corroborated`` (another
  member does), ``unchanged`` (the member already vouches for it; new labels are merged);
- retraction: ``retracted`` (the last active contribution: the signal leaves the
  indexes), ``contribution_retracted`` (others still vouch for it), ``unchanged`` (the
  member's contribution was already retracted);
- feedback: ``recorded``, ``replaced`` (a different earlier verdict), ``unchanged``
  (the same verdict again).

Retracting needs a contribution of one's own. A member that never contributed to a
signal gets the same refusal whether or not the signal exists, so retractions cannot
be used to learn which hashes the clearinghouse holds.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from clearinghouse.domain.records import (
    ContributionRecord,
    FeedbackRecord,
    SignalHistory,
    SignalRecord,
)
from clearinghouse.wire import VERDICTS

__all__ = [
    "NOT_A_CONTRIBUTOR",
    "NO_SUCH_SIGNAL",
    "VERDICTS",
    "Change",
    "Outcome",
    "Refused",
    "Stamp",
    "confirmed",
    "disputed",
    "feedback",
    "feedback_balance",
    "is_confirmed",
    "is_disputed",
    "new_signal_record",
    "retract",
    "submit",
]

NO_SUCH_SIGNAL = "no such signal in the clearinghouse"
NOT_A_CONTRIBUTOR = "member {member!r} has no contribution to this signal"


class Refused(Exception):
    """The item cannot apply to the signal; ``field`` and ``reason`` name why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class Stamp(NamedTuple):
    """Who makes the change, in which statement and log entry, and when."""

    member: str
    statement_id: int
    log_index: int
    now: datetime


class Change(NamedTuple):
    """A record to write: inserted when ``new``, else the named ``fields`` of the stored
    one updated (the store groups updates that set the same values)."""

    record: SignalRecord | ContributionRecord | FeedbackRecord
    new: bool
    fields: tuple[str, ...] = ()


SEEN = ("status", "last_seen", "updated_index")
STATUS = ("status", "updated_index")
STAMP = ("updated_index",)
LABELS = ("labels",)
REVIVED = ("status", "labels", "statement_id", "retracted_at", "retraction_statement_id")
RETRACTED = ("status", "retracted_at", "retraction_statement_id")
VERDICT = ("statement_id", "verdict", "reason", "created_at")


class Outcome(NamedTuple):
    """An item's status, the signal's history after it, and the records to write."""

    status: str
    after: SignalHistory
    changes: tuple[Change, ...]


def new_signal_record(
    signal_id: int, signal_type: str, value: str, digest: bytes, quality: int | None, stamp: Stamp
) -> SignalRecord:
    """The record of a signal first submitted under ``stamp``: active, seen now."""
    now = stamp.now
    return SignalRecord(
        signal_id, signal_type, value, digest, quality, "active", now, now, stamp.log_index
    )


def is_confirmed(contributors: int, threshold: int) -> bool:
    """The confirmed rule: at least ``threshold`` distinct members vouch for the signal
    now (``contributors``: its active contributions, one per member, whatever the
    member's standing since)."""
    return contributors >= threshold


def is_disputed(balance: int) -> bool:
    """The disputed rule: more members disagree than agree (``balance``: agreements less
    disagreements, one current verdict per member)."""
    return balance < 0


def feedback_balance(history: SignalHistory) -> int:
    """Agreements less disagreements among the members' current verdicts."""
    return sum(1 if f.verdict == "agree" else -1 for f in history.feedback)


def confirmed(history: SignalHistory, threshold: int) -> bool:
    """``is_confirmed`` of a signal's history."""
    return is_confirmed(sum(1 for c in history.contributions if c.status == "active"), threshold)


def disputed(history: SignalHistory) -> bool:
    """``is_disputed`` of a signal's history."""
    return is_disputed(feedback_balance(history))


def submit(
    history: SignalHistory,
    stamp: Stamp,
    *,
    new_signal: SignalRecord | None,
    labels: tuple[str, ...],
    content_type: str | None,
    note: str | None,
) -> Outcome:
    """A member vouches for a signal. ``new_signal`` (from ``new_signal_record``) is the
    record to create when the signal is not known yet, and None otherwise."""
    member, now = stamp.member, stamp.now
    labels = tuple(labels) if len(labels) == 1 else tuple(sorted(set(labels)))
    if history.signal is None:  # the first submission: the common case, kept lean
        if new_signal is None:
            raise ValueError("submit: a signal not known yet needs its new_signal record")
        own = ContributionRecord(
            new_signal.id, member, stamp.statement_id, labels, content_type, note, "active", now
        )
        after = SignalHistory(new_signal, (own,), history.feedback)
        return Outcome("new", after, (Change(new_signal, True), Change(own, True)))
    signal = _stamped(history.signal, "active", now, stamp.log_index)
    seen = Change(signal, False, SEEN)
    own = history.contribution_of(member)
    others = tuple(c for c in history.contributions if c.member != member)
    vouched = "corroborated" if any(c.status == "active" for c in others) else "new"
    if own is not None and own.status == "active":
        merged = tuple(sorted(set(own.labels) | set(labels)))
        if merged == own.labels:
            return Outcome("unchanged", history._replace(signal=signal), (seen,))
        own = own._replace(labels=merged)
        status, change = "unchanged", Change(own, False, LABELS)
    elif own is not None:  # vouching again after a retraction
        own = own._replace(
            status="active",
            labels=labels,
            statement_id=stamp.statement_id,
            retracted_at=None,
            retraction_statement_id=None,
        )
        status, change = vouched, Change(own, False, REVIVED)
    else:
        own = ContributionRecord(
            signal.id, member, stamp.statement_id, labels, content_type, note, "active", now
        )
        status, change = vouched, Change(own, True)
    after = SignalHistory(signal, (*others, own), history.feedback)
    return Outcome(status, after, (seen, change))


def retract(history: SignalHistory, stamp: Stamp) -> Outcome:
    """A member withdraws its contribution; the last one retracts the signal."""
    own = history.contribution_of(stamp.member)
    if history.signal is None or own is None:
        raise Refused("value", NOT_A_CONTRIBUTOR.format(member=stamp.member))
    if own.status == "retracted":
        return Outcome("unchanged", history, ())
    own = own._replace(
        status="retracted", retracted_at=stamp.now, retraction_statement_id=stamp.statement_id
    )
    contributions = tuple(own if c.member == stamp.member else c for c in history.contributions)
    remaining = any(c.status == "active" for c in contributions)
    signal = history.signal
    signal_status = signal.status if remaining else "retracted"
    signal = _stamped(signal, signal_status, signal.last_seen, stamp.log_index)
    after = SignalHistory(signal, contributions, history.feedback)
    status = "contribution_retracted" if remaining else "retracted"
    return Outcome(status, after, (Change(signal, False, STATUS), Change(own, False, RETRACTED)))


def feedback(history: SignalHistory, stamp: Stamp, *, verdict: str, reason: str) -> Outcome:
    """A member agrees or disagrees with a signal; a different verdict replaces its
    earlier one, the same verdict again changes nothing."""
    if verdict not in VERDICTS:
        raise Refused("verdict", f"expected one of {', '.join(VERDICTS)}")
    if history.signal is None:
        raise Refused("value", NO_SUCH_SIGNAL)
    earlier = history.feedback_of(stamp.member)
    if earlier is not None and earlier.verdict == verdict:
        return Outcome("unchanged", history, ())
    record = FeedbackRecord(
        history.signal.id, stamp.member, stamp.statement_id, verdict, reason, stamp.now
    )
    others = tuple(f for f in history.feedback if f.member != stamp.member)
    signal = history.signal
    signal = _stamped(signal, signal.status, signal.last_seen, stamp.log_index)
    after = SignalHistory(signal, history.contributions, (*others, record))
    status = "recorded" if earlier is None else "replaced"
    return Outcome(
        status, after, (Change(signal, False, STAMP), Change(record, earlier is None, VERDICT))
    )


def _stamped(s: SignalRecord, status: str, last_seen: datetime, index: int) -> SignalRecord:
    # The only fields a transition changes on a signal; a constructor call, because
    # ``_replace`` costs ten times as much and statements carry 10,000 items.
    return SignalRecord(
        s.id, s.signal_type, s.value, s.digest, s.quality, status, s.first_seen, last_seen, index
    )
