"""The rows one webhook batch is built from, in four queries whatever its size: the
signals after a cursor, then every contribution to them (with the log index of its
statement) and every verdict on them, straight to the driver (``bulk_select``: a burst's
rows share their times and label lists, each read once), and the time of each entry.

What the feed reads for a page in seven queries (signal states, content types, the
member's own contributions, first contributions, labels ever given) comes out of the one
pass over the contributions here; ``services/read_models/webhook_queue.py`` builds the
same entries from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearinghouse.store.bulk import bulk_select
from clearinghouse.store.models import Contribution, Feedback, Signal, Statement
from clearinghouse.store.signal_reads import SignalState, changed_after

__all__ = ["BatchRows", "batch_rows", "signals_after"]


def signals_after(session: Session, after: tuple[int, int], before: int, limit: int) -> list[Any]:
    """Rows (Signal columns as attributes) changed after the cursor ``(updated_index,
    id)`` and by log index ``before`` (not at it or later), in change order: the feed's
    page, without building ORM objects.

    ``before`` is the log head the caller read first. Each statement of a PostgreSQL
    transaction sees what was committed when it began, so without the bound a page
    could hold changes committed after that head, and a cursor set to the head would
    stand before them: they would be sent again.
    """
    query = (
        select(Signal.__table__)
        .where(changed_after(after), Signal.updated_index < before)
        .order_by(Signal.updated_index, Signal.id)
        .limit(limit)
    )
    return list(session.connection().execute(query))


@dataclass
class BatchRows:
    """What the contributions and verdicts of a page of signals add up to."""

    states: dict[int, SignalState] = field(default_factory=dict)
    content_types: dict[int, list[str]] = field(default_factory=dict)
    mine: set[int] = field(default_factory=set)  # signals the member actively contributes to
    born: dict[int, int] = field(default_factory=dict)  # log index of the first contribution
    labels_ever: dict[int, set[str]] = field(default_factory=dict)  # retracted ones' too


def batch_rows(session: Session, signals: Sequence[Any], member: str) -> BatchRows:
    """Each signal's state (as ``signal_reads.signal_states``), content types (as
    ``content_types_of``), whether ``member`` contributes, its first contribution's log
    index and every label it was ever given."""
    ids = [s.id for s in signals]
    contributions = bulk_select(
        session, Contribution.__table__,
        ("signal_id", "member_id", "labels", "content_type", "status", "statement_id"),
        "signal_id", ids,
    )  # fmt: skip
    statements = {row[5] for row in contributions}
    log_index = dict(
        bulk_select(session, Statement.__table__, ("id", "log_index"), "id", sorted(statements))
    )
    labels: dict[int, dict[str, int]] = {i: {} for i in ids}
    contributors: dict[int, list[str]] = {i: [] for i in ids}
    types: dict[int, set[str]] = {}
    out = BatchRows()
    for signal_id, member_id, member_labels, content_type, status, statement_id in contributions:
        out.labels_ever.setdefault(signal_id, set()).update(member_labels)
        index = log_index[statement_id]
        if index < out.born.get(signal_id, index + 1):
            out.born[signal_id] = index
        if status != "active":
            continue
        contributors[signal_id].append(member_id)
        counts = labels[signal_id]
        for label in member_labels:
            counts[label] = counts.get(label, 0) + 1
        found = types.setdefault(signal_id, set())
        if content_type:
            found.add(content_type)
        if member_id == member:
            out.mine.add(signal_id)
    verdicts = {i: [0, 0] for i in ids}
    for signal_id, verdict in bulk_select(
        session, Feedback.__table__, ("signal_id", "verdict"), "signal_id", ids
    ):
        verdicts[signal_id][0 if verdict == "agree" else 1] += 1
    out.content_types = {i: sorted(found) for i, found in types.items()}
    out.states = {
        s.id: SignalState(
            signal=s,
            labels=dict(sorted(labels[s.id].items())),
            contributors=tuple(sorted(contributors[s.id])),
            agree=verdicts[s.id][0],
            disagree=verdicts[s.id][1],
        )
        for s in signals
    }
    return out
