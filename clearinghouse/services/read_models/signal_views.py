"""How signals are shown: one signal, many (for matches), and the change feed."""

from __future__ import annotations

import re
from dataclasses import dataclass

from clearinghouse.domain import is_confirmed, is_disputed
from clearinghouse.errors import InvalidInput, NotFound
from clearinghouse.services.adapters.caller import Caller
from clearinghouse.services.read_models import list_budget
from clearinghouse.services.read_models.retraction_reasons import retraction_reason
from clearinghouse.signals.registry import default_registry
from clearinghouse.store import Session, histories
from clearinghouse.store import signal_reads as rows
from clearinghouse.store.db import Database
from clearinghouse.store.holds import held_among
from clearinghouse.store.log import entry_time
from clearinghouse.store.site_pages import statement_log_index
from clearinghouse.store.subscriptions import labels_ever
from clearinghouse.wire import FEED_PAGE_LIMIT, INCIDENT_SLUG, iso

__all__ = [
    "FeedLimits",
    "assemble_feed_entries",
    "describe",
    "describe_many",
    "feed",
    "feed_entries",
    "parse_cursor",
    "signal_detail",
]


def describe(confirm_threshold: int, state: rows.SignalState) -> dict:
    """The public shape of one signal (DESIGN §5), as matches and the feed report it;
    confirmed from ``confirm_threshold`` contributors on."""
    s = state.signal
    value = default_registry().get(s.signal_type).wire_value(s.value)
    out = {
        "signal_id": s.id,
        "signal_type": s.signal_type,
        "value": value,
        "status": s.status,
        "labels": state.labels,
        "contributors": len(state.contributors),
        "confirmed": is_confirmed(len(state.contributors), confirm_threshold),
        "disputed": is_disputed(state.agree - state.disagree),
        "first_seen": iso(s.first_seen),
        "last_seen": iso(s.last_seen),
    }
    if s.quality is not None:
        out["quality"] = s.quality
    return out


def describe_many(confirm_threshold: int, session: Session, ids: list[int]) -> dict[int, dict]:
    states = rows.signal_states(session, ids)
    return {i: describe(confirm_threshold, st) for i, st in states.items()}


def signal_detail(db: Database, confirm_threshold: int, signal_id: int, caller: Caller) -> dict:
    """One signal with its feedback counts and the caller's own contribution (and
    ``held`` while it is held)."""
    with db.read() as session:
        state = rows.signal_states(session, [signal_id], damaged="raise").get(signal_id)
        if state is None:
            raise NotFound(f"no signal {signal_id}")
        held = held_among(session, [signal_id])
        own = next(iter(histories.contribution_records(session, [signal_id], caller.member)), None)
        reason = None
        if own is not None and own.retraction_statement_id is not None:
            at = statement_log_index(session, own.retraction_statement_id)
            if at is not None:
                reason = retraction_reason(
                    session, at, state.signal.signal_type, state.signal.value
                )
    out = describe(confirm_threshold, state)
    if held and state.signal.status == "active":
        out["held"] = True
    out["feedback"] = {"agree": state.agree, "disagree": state.disagree}
    out["your_contribution"] = None
    if own is not None:
        out["your_contribution"] = {
            "status": own.status,
            "labels": own.labels,
            "content_type": own.content_type,
            "note": own.note,
            "created": iso(own.created_at),
        }
        if own.status == "retracted":
            out["your_contribution"]["retracted"] = (
                iso(own.retracted_at) if own.retracted_at else None
            )
            out["your_contribution"]["retraction_reason"] = reason
    return out


INCIDENT_SCAN_PAGES = 10  # pages of other signals one incident feed request skips at most
_CURSOR = re.compile(r"(-1|[0-9]{1,19})\.([0-9]{1,19})")


def parse_cursor(text: str | None) -> tuple[int, int]:
    """``"<log index>.<signal id>"`` (opaque to members) → tuple; empty → the start."""
    if not text:
        return (-1, 0)
    found = _CURSOR.fullmatch(text)
    cursor = (int(found[1]), int(found[2])) if found else (-2, -1)
    if cursor[0] < -1 or cursor[1] < 0 or max(cursor) > 2**63 - 1:
        raise InvalidInput(f"after: {text[:40]!r} is not a cursor from this feed")
    return cursor


def feed_entries(confirm_threshold: int, session: Session, page: list, member: str) -> list[dict]:
    """The feed's entry for each signal of ``page`` as ``member`` sees it: a live signal
    with its ``content_types`` and ``is_mine`` (and ``held`` while held), a retracted one
    as a tombstone. Webhook payloads are these same entries
    (``services/read_models/webhook_queue.py``)."""
    ids = [s.id for s in page]
    mine = {
        c.signal_id
        for c in histories.contribution_records(session, ids, member)
        if c.status == "active"
    }
    states = rows.signal_states(session, ids)
    content_types = rows.content_types_of(session, ids)
    held = held_among(session, ids)
    return assemble_feed_entries(confirm_threshold, page, states, content_types, mine, held)


def assemble_feed_entries(
    confirm_threshold: int,
    page: list,
    states: dict[int, rows.SignalState],
    content_types: dict[int, list[str]],
    mine: set[int],
    held: frozenset[int] = frozenset(),
) -> list[dict]:
    """``feed_entries`` from what was read for them (the webhook queue reads it apart)."""
    signals = []
    for s in page:
        if s.status == "retracted":
            signals.append({"signal_id": s.id, "signal_type": s.signal_type, "status": "retracted"})
        else:
            entry = describe(confirm_threshold, states[s.id])
            entry["content_types"] = content_types.get(s.id, [])
            entry["is_mine"] = s.id in mine
            if s.id in held:
                entry["held"] = True
            signals.append(entry)
    return signals


@dataclass(frozen=True)
class FeedLimits:
    """The settings the feed reads: when a signal counts as confirmed, and how many bytes
    one page of a list may take (``CLEARINGHOUSE_MAX_LIST_BYTES``)."""

    confirm_threshold: int
    max_list_bytes: int


def feed(
    db: Database,
    limits: FeedLimits,
    after: str | None,
    limit: int | None,
    caller: Caller,
    incident: str | None = None,
) -> dict:
    """Signal states changed after the cursor; retracted ones appear as tombstones.

    Each live signal carries its contributions' ``content_types`` and whether one of them
    is the caller's (``is_mine``). The page's ``checkpoint_time`` is the time of the log
    entry its ``next`` cursor stands at — or, once caught up, of the latest entry — so it
    never goes backwards from one page to the next. With ``incident``, only the signals
    that carry (or, retracted, carried) its label are shown; pages of others are skipped,
    up to ``INCIDENT_SCAN_PAGES`` per request.
    """
    limit = FEED_PAGE_LIMIT if limit is None else limit
    if not 1 <= limit <= FEED_PAGE_LIMIT:
        raise InvalidInput(f"limit: expected 1 to {FEED_PAGE_LIMIT}, got {limit}")
    if incident is not None and not (INCIDENT_SLUG.fullmatch(incident) and len(incident) <= 63):
        raise InvalidInput(f"incident: {incident[:70]!r} is not an incident slug")
    cursor = parse_cursor(after)
    with db.read() as session:
        for _ in range(INCIDENT_SCAN_PAGES if incident else 1):
            page = rows.feed_page(session, cursor, limit)
            signals = feed_entries(limits.confirm_threshold, session, page, caller.member)
            signals = list_budget.fit(signals, limits.max_list_bytes)
            page = page[: len(signals)]
            if incident is not None:
                signals = _of_incident(session, signals, f"incident:{incident}")
            if signals or len(page) < limit:
                break
            cursor = (page[-1].updated_index, page[-1].id)
        moment = entry_time(session, page[-1].updated_index if page else None)
    # An empty page keeps the caller's cursor: it resumes there when more changes come.
    nxt = f"{page[-1].updated_index}.{page[-1].id}" if page else (after or None)
    return {
        "signals": signals,
        "next": nxt,
        "checkpoint_time": None if moment is None else iso(moment),
    }


def _of_incident(session: Session, entries: list[dict], label: str) -> list[dict]:
    """The entries of signals carrying ``label`` (a tombstone: that ever carried it)."""
    gone = [e["signal_id"] for e in entries if e["status"] == "retracted"]
    had = labels_ever(session, gone) if gone else {}

    def carries(e: dict) -> bool:
        if e["status"] == "retracted":
            return label in had.get(e["signal_id"], set())
        return label in e["labels"]

    return [e for e in entries if carries(e)]
