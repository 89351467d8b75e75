"""Reads of signal states from the tables: one signal, many, and the feed's pages.

The write path of signals, contributions and feedback is ``store/histories.py``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, or_, select
from sqlalchemy.orm import Session

from clearinghouse.errors import DamagedState
from clearinghouse.store.bulk import chunks
from clearinghouse.store.damage import labels_damage, report_skipped, signal_damage
from clearinghouse.store.models import Contribution, Feedback, Signal

__all__ = [
    "SignalState",
    "changed_after",
    "content_types_of",
    "damaged_signals",
    "feed_page",
    "signal_states",
]


def content_types_of(session: Session, signal_ids: Sequence[int]) -> dict[int, list[str]]:
    """The content types active contributions give each signal, sorted, without repeats."""
    found: dict[int, set[str]] = {}
    for chunk in chunks(list(signal_ids)):
        query = select(Contribution.signal_id, Contribution.content_type).where(
            Contribution.signal_id.in_(chunk), Contribution.status == "active"
        )
        for signal_id, content_type in session.execute(query):
            types = found.setdefault(signal_id, set())
            if content_type:
                types.add(content_type)
    return {i: sorted(types) for i, types in found.items()}


@dataclass(frozen=True)
class SignalState:
    """A signal with what its contributions and feedback add up to. ``signal`` is a row
    with the Signal columns as attributes."""

    signal: Any
    labels: dict[str, int]
    contributors: tuple[str, ...]
    agree: int
    disagree: int


@functools.cache
def _state_queries():
    # Built once: lookups answer with these on every match, and they are hot.
    ids = bindparam("ids", expanding=True)
    return (
        select(Signal.__table__).where(Signal.id.in_(ids)),
        select(Contribution.signal_id, Contribution.member_id, Contribution.labels).where(
            Contribution.signal_id.in_(ids), Contribution.status == "active"
        ),
        select(Feedback.signal_id, Feedback.verdict).where(Feedback.signal_id.in_(ids)),
    )


def signal_states(
    session: Session, ids: Sequence[int], *, damaged: str = "skip"
) -> dict[int, SignalState]:
    """The current state of each signal: labels with counts, contributors, verdicts.

    A signal whose rows are damaged (``store/damage.py``) is left out and reported, or
    with ``damaged="raise"`` (a request about that signal) raises ``DamagedState``."""
    signals: dict[int, Any] = {}
    bad: dict[int, str] = {}
    labels: dict[int, dict[str, int]] = {}
    contributors: dict[int, list[str]] = {}
    verdicts: dict[int, list[int]] = {}
    conn = session.connection()
    by_id, by_contribution, by_feedback = _state_queries()
    for chunk in chunks(sorted(set(ids))):
        params = {"ids": list(chunk)}
        for row in conn.execute(by_id, params):
            reason = signal_damage(row)
            if reason is not None:
                bad[row.id] = reason
            signals[row.id] = row
            labels[row.id], contributors[row.id], verdicts[row.id] = {}, [], [0, 0]
        for signal_id, member_id, member_labels in conn.execute(by_contribution, params):
            if signal_id not in signals:  # contributions of a signal row that is gone
                bad.setdefault(signal_id, "the signal row is missing")
                continue
            reason = labels_damage(member_labels)
            if reason is not None:
                bad.setdefault(signal_id, f"a contribution's {reason}")
                continue
            contributors[signal_id].append(member_id)
            counts = labels[signal_id]
            for label in member_labels:
                counts[label] = counts.get(label, 0) + 1
        for signal_id, verdict in conn.execute(by_feedback, params):
            if signal_id not in signals:
                bad.setdefault(signal_id, "the signal row is missing")
                continue
            verdicts[signal_id][0 if verdict == "agree" else 1] += 1
    if bad:
        if damaged == "raise":
            signal_id = min(bad)
            raise DamagedState(signal_id, bad[signal_id])
        report_skipped("signal states", bad)
        signals = {i: s for i, s in signals.items() if i not in bad}
    return {
        i: SignalState(
            signal=s,
            labels=dict(sorted(labels[i].items())),
            contributors=tuple(sorted(contributors[i])),
            agree=verdicts[i][0],
            disagree=verdicts[i][1],
        )
        for i, s in signals.items()
    }


def changed_after(cursor: tuple[Any, Any]) -> ColumnElement[bool]:
    """Signals changed after the cursor ``(updated_index, id)``: values or bound
    parameters, for the feed and the followers' pages alike."""
    index, sid = cursor
    return or_(
        Signal.updated_index > index,
        and_(Signal.updated_index == index, Signal.id > sid),
    )


def feed_page(session: Session, after: tuple[int, int], limit: int) -> list[Signal]:
    """Signals changed after the cursor ``(updated_index, id)``, in change order; damaged
    ones are left out (reported) and the page filled from beyond them."""
    out: list[Signal] = []
    while len(out) < limit:
        query = select(Signal).where(changed_after(after))
        query = query.order_by(Signal.updated_index, Signal.id).limit(limit - len(out))
        page = list(session.scalars(query))
        if not page:
            break
        bad = damaged_signals(session, page)
        if bad:
            report_skipped("feed", bad)
        out.extend(s for s in page if s.id not in bad)
        after = (page[-1].updated_index, page[-1].id)
    return out


def damaged_signals(session: Session, page: Sequence[Any]) -> dict[int, str]:
    """``signal id -> what is wrong`` for the signals of ``page`` (rows with the Signal
    columns) whose row or active contributions are damaged."""
    bad = {s.id: reason for s in page if (reason := signal_damage(s)) is not None}
    ids = [s.id for s in page if s.id not in bad]
    for chunk in chunks(ids):
        query = select(Contribution.signal_id, Contribution.labels).where(
            Contribution.signal_id.in_(chunk), Contribution.status == "active"
        )
        for signal_id, labels in session.execute(query):
            reason = labels_damage(labels)
            if reason is not None:
                bad.setdefault(signal_id, f"a contribution's {reason}")
    return bad
