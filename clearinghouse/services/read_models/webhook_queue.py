"""The next delivery of one subscription: the changes after its cursor, in feed order.

A subscription's queue is the change feed itself (signals in ``(updated_index, id)``
order) merged with the incident actions of the log, read after the subscription's cursor.
Nothing is copied per subscription until a delivery is about to be sent: then its body is
written down (``store/subscriptions.py``) so that every retry sends the same bytes.
Changes its filters leave out only move the cursor on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC
from typing import TYPE_CHECKING

from clearinghouse.services.adapters.webhook_filters import Filters
from clearinghouse.services.read_models.signal_views import assemble_feed_entries
from clearinghouse.store import Session
from clearinghouse.store import subscriptions as rows
from clearinghouse.store.holds import held_among
from clearinghouse.store.incidents import incident_entries
from clearinghouse.store.webhook_batches import batch_rows, signals_after
from clearinghouse.wire import INCIDENT_ACTIONS, iso, utcnow

if TYPE_CHECKING:
    from clearinghouse.store.models import Subscription

__all__ = ["Batch", "IncidentEvent", "batch_body", "next_batch"]

Cursor = tuple[int, int]


@dataclass(frozen=True)
class IncidentEvent:
    """An incident action as a subscriber sees it, at its log index."""

    log_index: int
    type: str  # incident.declared | incident.updated | incident.concluded
    time: object  # datetime of the entry
    data: dict


@dataclass(frozen=True)
class Batch:
    """What to send next (``events`` may be empty: all filtered out) and the cursor after it."""

    events: list[dict]
    cursor: Cursor
    oldest: float | None  # epoch seconds of the oldest change sent, for latency


def _incident_events(session: Session, after: int, upto: int, limit: int) -> list[IncidentEvent]:
    return [
        IncidentEvent(
            index,
            INCIDENT_ACTIONS[payload["action"]],
            moment,
            {
                "incident": payload["incident"],
                "action": payload["action"],
                "title": payload["title"],
                "summary": payload["summary"],
                "member": payload["member"],
                "log_index": index,
            },
        )
        for index, moment, payload in incident_entries(session, after, upto, limit)
    ]


def next_batch(
    confirm_threshold: int, session: Session, subscription: Subscription, head: int, limit: int
) -> Batch:
    """The next ``limit`` changes at most after the subscription's cursor, filtered;
    signals shown as the feed shows them (``confirm_threshold``).

    ``head`` is the log size read *before* this, so a cursor moved to the head stands
    before anything committed since.
    """
    cursor = (subscription.cursor_index, subscription.cursor_signal)
    page = signals_after(session, cursor, head, limit)
    full = len(page) == limit
    upto = page[-1].updated_index if full else head - 1
    incidents = _incident_events(session, cursor[0], upto, limit)
    merged: list[tuple[Cursor, object]] = [((s.updated_index, s.id), s) for s in page]
    merged += [((e.log_index, 0), e) for e in incidents]
    merged.sort(key=lambda pair: pair[0])
    merged = merged[:limit]
    if len(merged) < limit and not full:
        end: Cursor = (head - 1, rows.CAUGHT_UP)  # caught up to the head read first
    else:
        end = merged[-1][0]
    end = max(end, cursor)
    signals = [item for _, item in merged if not isinstance(item, IncidentEvent)]
    events = _signal_events(confirm_threshold, session, subscription, signals, cursor[0])
    filters = Filters.from_stored(subscription.filters)
    out, moments = [], set()
    for _, item in merged:
        if isinstance(item, IncidentEvent):
            if not filters.passes_incident(item.data["incident"]):
                continue
            event = {"type": item.type, "timestamp": iso(item.time), "data": item.data}
            moment = item.time
        else:
            event, moment = events.get(item.id, (None, None))
            if event is None:
                continue
        out.append(event)
        moments.add(moment)  # a burst's changes share one entry, and so its time
    return Batch(out, end, min(map(_epoch, moments)) if moments else None)


def _signal_events(
    confirm_threshold: int,
    session: Session,
    subscription: Subscription,
    signals: list,
    after_index: int,
) -> dict[int, tuple[dict, object]]:
    """Each signal's event (when the filters let it through) and the time of its change."""
    if not signals:
        return {}
    filters = Filters.from_stored(subscription.filters)
    read = batch_rows(session, signals, subscription.member_id)
    states, content_types, mine = read.states, read.content_types, read.mine
    held = held_among(session, [s.id for s in signals])
    entries = assemble_feed_entries(confirm_threshold, signals, states, content_types, mine, held)
    ever, born = read.labels_ever, read.born
    times = rows.entry_times(session, [s.updated_index for s in signals])
    stamps = {index: iso(moment) for index, moment in times.items()}
    out = {}
    for signal, entry in zip(signals, entries, strict=True):
        labels = ever.get(signal.id, set()) if entry["status"] == "retracted" else entry["labels"]
        if not filters.passes_signal(entry, set(labels)):
            continue
        if entry["status"] == "retracted":
            kind = "signal.retracted"
        elif born.get(signal.id, after_index + 1) > after_index:
            kind = "signal.created"
        else:
            kind = "signal.updated"
        moment = times[signal.updated_index]
        event = {"type": kind, "timestamp": stamps[signal.updated_index], "data": entry}
        out[signal.id] = (event, moment)
    return out


def _epoch(moment) -> float:
    # SQLite hands back the UTC times it stored without their offset.
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def batch_body(events: list[dict]) -> bytes:
    """One event as the Standard Webhooks body ``{"type", "timestamp", "data"}``; several
    as one ``batch`` event whose ``data.events`` lists them, each in that same shape."""
    if len(events) == 1:
        body = events[0]
    else:
        body = {"type": "batch", "timestamp": iso(utcnow()), "data": {"events": events}}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
