"""One item of a statement applied to one signal: the single rule that statements and
the rebuild from the log share.

``apply_item(kind, history, stamp, item, next_id)`` chooses the transition by the
statement's kind and, for a submission creating a signal, builds its record with id
``next_id``. It raises ``Refused`` for an item the rules refuse; what follows from a
refusal is decided above it: a statement is refused whole (nothing is written), while
the log fold skips the refused item and notes it as a problem.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import NamedTuple

from clearinghouse.domain.records import SignalHistory
from clearinghouse.domain.transitions import (
    Outcome,
    Stamp,
    feedback,
    new_signal_record,
    retract,
    submit,
)
from clearinghouse.signals.regions import Region
from clearinghouse.signals.types import Signal

__all__ = [
    "ITEM_RULES",
    "FeedbackItem",
    "Item",
    "RetractionItem",
    "SubmissionItem",
    "apply_item",
    "creates_signal",
    "signal_digest",
]


class SubmissionItem(NamedTuple):
    signal: Signal
    digest: bytes
    labels: tuple[str, ...]
    content_type: str | None
    note: str | None
    regions: tuple[Region, ...] = ()  # stored with the signal when this item creates it


class RetractionItem(NamedTuple):
    signal: Signal
    digest: bytes
    reason: str


class FeedbackItem(NamedTuple):
    signal: Signal
    digest: bytes
    verdict: str
    reason: str


Item = SubmissionItem | RetractionItem | FeedbackItem


def signal_digest(signal: Signal) -> bytes:
    """The identity of a signal: SHA-256 of ``type:canonical value``."""
    return hashlib.sha256(f"{signal.signal_type}:{signal.text}".encode()).digest()


def creates_signal(kind: str, history: SignalHistory) -> bool:
    """Whether an item of ``kind`` that applies to ``history`` creates its signal (and
    so takes the ``next_id`` it was given)."""
    return kind == "submission" and history.signal is None


def apply_item(
    kind: str, history: SignalHistory, stamp: Stamp, item: Item, next_id: int
) -> Outcome:
    """What one item of a ``kind`` statement does to its signal's ``history``; raises
    ``Refused`` when the rules refuse it. ``next_id`` is the id a signal the item creates
    takes (see ``creates_signal``); the other items ignore it."""
    return ITEM_RULES[kind](history, stamp, item, next_id)


def _submission(history: SignalHistory, stamp: Stamp, item: SubmissionItem, next_id: int):
    new = None
    if history.signal is None:
        s = item.signal
        new = new_signal_record(next_id, s.signal_type, s.text, item.digest, s.quality, stamp)
    return submit(
        history,
        stamp,
        new_signal=new,
        labels=item.labels,
        content_type=item.content_type,
        note=item.note,
    )


def _retraction(history: SignalHistory, stamp: Stamp, item: RetractionItem, _next_id: int):
    return retract(history, stamp)


def _feedback(history: SignalHistory, stamp: Stamp, item: FeedbackItem, _next_id: int):
    return feedback(history, stamp, verdict=item.verdict, reason=item.reason)


# The statement kinds and their rule; a new kind of item is one entry here.
ITEM_RULES: dict[str, Callable[[SignalHistory, Stamp, Item, int], Outcome]] = {
    "submission": _submission,
    "retraction": _retraction,
    "feedback": _feedback,
}
