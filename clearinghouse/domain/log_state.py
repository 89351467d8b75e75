"""The state the log implies: a fold of the same transitions the services apply, over
the log's entries alone (``db rebuild --from-log`` writes it, ``db check`` compares it).

Each entry type has one folding function in ``FOLD``; adding a type is one entry there.
Statements are re-read from the envelopes the log holds verbatim; their signatures are
the auditor's business (``audit verify``), not this fold's.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from clearinghouse.crypto import Envelope
from clearinghouse.domain.holds import OPERATOR, HoldRecord, hold, release
from clearinghouse.domain.incidents import IncidentRecord, apply_action
from clearinghouse.domain.items import (
    FeedbackItem,
    Item,
    RetractionItem,
    SubmissionItem,
    apply_item,
    creates_signal,
    signal_digest,
)
from clearinghouse.domain.records import SignalHistory
from clearinghouse.domain.transitions import Refused, Stamp
from clearinghouse.errors import ClearinghouseError
from clearinghouse.signals.regions import parse_regions
from clearinghouse.signals.registry import SignalRegistry
from clearinghouse.signals.types import Signal
from clearinghouse.wire import b64decode, parse_time

__all__ = [
    "FOLD",
    "KeyRecord",
    "LogState",
    "MemberRecord",
    "StatementRecord",
    "fold",
]


class MemberRecord(NamedTuple):
    id: str
    name: str
    roles: tuple[str, ...]  # sorted
    status: str
    created_at: datetime


class KeyRecord(NamedTuple):
    key_id: str
    member: str
    public_key: bytes
    status: str
    created_at: datetime
    revoked_at: datetime | None


class StatementRecord(NamedTuple):
    """A statement as accepted; in the fold its id is its log index."""

    log_index: int
    kind: str
    member: str
    key_id: str
    envelope_digest: bytes
    created_at: datetime
    items: tuple[tuple[int, str], ...]  # (signal id, status) per item, as answered


@dataclass
class LogState:
    """Members, keys, signal histories and statements after some prefix of the log."""

    members: dict[str, MemberRecord] = field(default_factory=dict)
    keys: dict[str, KeyRecord] = field(default_factory=dict)
    histories: dict[bytes, SignalHistory] = field(default_factory=dict)
    statements: list[StatementRecord] = field(default_factory=list)
    incidents: dict[str, IncidentRecord] = field(default_factory=dict)
    taxonomy_digest: str | None = None
    # signal id -> its region PDQs ((code, quality), …), from the submission creating it
    regions: dict[int, tuple[tuple[bytes, int], ...]] = field(default_factory=dict)
    holds: dict[int, HoldRecord] = field(default_factory=dict)  # by signal id
    digests: dict[int, bytes] = field(default_factory=dict)  # signal id -> its digest
    size: int = 0
    problems: list[str] = field(default_factory=list)  # entries the rules refuse

    def next_signal_id(self) -> int:
        return len(self.histories) + 1


def fold(entries: Iterable[tuple[int, bytes]], registry: SignalRegistry) -> LogState:
    """The state implied by ``entries`` (``(index, bytes)`` from index 0, in order)."""
    state = LogState()
    for index, data in entries:
        if index != state.size:
            raise ValueError(f"log entries must be dense from 0: got {index} after {state.size}")
        entry = json.loads(data)
        kind = entry.get("type")
        step = FOLD.get(kind)
        if step is None:
            state.problems.append(f"entry {index}: unknown type {kind!r}")
        else:
            try:
                step(state, index, parse_time(entry["time"]), entry, registry)
            except (KeyError, TypeError, ValueError, ClearinghouseError) as exc:
                state.problems.append(f"entry {index} ({kind}): cannot be applied: {exc!r}")
        state.size += 1
    return state


def _member_added(state: LogState, index: int, now: datetime, e: dict, _r) -> None:
    state.members[e["member"]] = MemberRecord(
        e["member"], e["name"], tuple(sorted(e["roles"])), "active", now
    )
    _key_added(state, index, now, e, _r)


def _member_status(status: str) -> Callable:
    def step(state: LogState, index: int, now: datetime, e: dict, _r) -> None:
        state.members[e["member"]] = state.members[e["member"]]._replace(status=status)

    return step


def _member_roles_changed(state: LogState, index: int, now: datetime, e: dict, _r) -> None:
    member = state.members[e["member"]]
    state.members[e["member"]] = member._replace(roles=tuple(sorted(e["roles"])))


def _key_added(state: LogState, index: int, now: datetime, e: dict, _r) -> None:
    raw = b64decode(e["public_key"])
    state.keys[e["key_id"]] = KeyRecord(e["key_id"], e["member"], raw, "active", now, None)


def _key_revoked(state: LogState, index: int, now: datetime, e: dict, _r) -> None:
    key = state.keys[e["key_id"]]
    state.keys[e["key_id"]] = key._replace(status="revoked", revoked_at=now)


def _taxonomy(state: LogState, index: int, now: datetime, e: dict, _r) -> None:
    state.taxonomy_digest = e["digest"]


def _statement(state: LogState, index: int, now: datetime, e: dict, registry) -> None:
    kind = e["type"]
    envelope = Envelope.from_dict(e["envelope"])
    items = json.loads(envelope.payload)["items"]
    stamp = Stamp(e["member"], index, index, now)
    parse = registry.parse if kind == "submission" else registry.parse_reference
    answered: list[tuple[int, str]] = []
    for n, raw in enumerate(items):
        signal = parse(raw["signal_type"], raw["value"], raw.get("quality"))
        item = _item(kind, signal, raw)
        history = state.histories.get(item.digest, SignalHistory(None))
        try:
            outcome = apply_item(kind, history, stamp, item, state.next_signal_id())
        except Refused as refused:
            state.problems.append(f"entry {index} item {n}: refused by the rules: {refused}")
            continue
        if creates_signal(kind, history):
            state.digests[outcome.after.signal.id] = item.digest
        if creates_signal(kind, history) and raw.get("regions"):
            found = parse_regions(registry, signal.signal_type, raw["regions"])
            state.regions[outcome.after.signal.id] = tuple((r.code, r.quality) for r in found)
        state.histories[item.digest] = outcome.after
        answered.append((outcome.after.signal.id, outcome.status))
    _accepted(state, index, kind, now, e, envelope, tuple(answered))


def _item(kind: str, signal: Signal, raw: dict) -> Item:
    """An item as the log holds it (checked when it was accepted), for ``apply_item``."""
    digest = signal_digest(signal)
    if kind == "submission":
        labels = tuple(raw["labels"])
        return SubmissionItem(signal, digest, labels, raw.get("content_type"), raw.get("note"))
    if kind == "retraction":
        return RetractionItem(signal, digest, raw.get("reason", ""))
    return FeedbackItem(signal, digest, raw["verdict"], raw["reason"])


def _incident(state: LogState, index: int, now: datetime, e: dict, _r) -> None:
    envelope = Envelope.from_dict(e["envelope"])
    p = json.loads(envelope.payload)
    try:
        state.incidents[p["incident"]] = apply_action(
            state.incidents.get(p["incident"]), action=p["action"], slug=p["incident"],
            title=p["title"], summary=p["summary"], member=e["member"], now=now, index=index,
        )  # fmt: skip
    except Refused as refused:
        state.problems.append(f"entry {index}: refused by the rules: {refused}")
        return
    _accepted(state, index, "incident", now, e, envelope, ())


def _history(state: LogState, signal_id: object) -> SignalHistory:
    if not isinstance(signal_id, int) or signal_id not in state.digests:
        return SignalHistory(None)
    return state.histories[state.digests[signal_id]]


def _hold_step(state: LogState, index: int, signal_id: object, make: Callable) -> bool:
    """Apply a hold or release made by ``make(current, history)``; a refused one is a
    problem. A change of hold moves the signal's feed cursor to the entry."""
    history = _history(state, signal_id)
    try:
        state.holds[signal_id] = make(state.holds.get(signal_id), history)  # type: ignore[index]
    except Refused as refused:
        state.problems.append(f"entry {index}: refused by the rules: {refused}")
        return False
    signal = history.signal._replace(updated_index=index)
    state.histories[signal.digest] = history._replace(signal=signal)
    return True


def _signal_held(state: LogState, index: int, now: datetime, e: dict, _r) -> None:
    def make(current, history):
        status = None if history.signal is None else history.signal.status
        return hold(
            current, signal_id=e["signal_id"], signal_status=status, by=e["by"],
            reason=e["reason"], now=now, index=index,
        )  # fmt: skip

    _hold_step(state, index, e["signal_id"], make)


def _signal_released(state: LogState, index: int, now: datetime, e: dict, _r) -> None:
    def make(current, history):
        return release(
            current, signal_id=e["signal_id"], contributors=history.contributors(),
            by=OPERATOR, reason=e["reason"], now=now, index=index,
        )  # fmt: skip

    _hold_step(state, index, e["signal_id"], make)


def _release(state: LogState, index: int, now: datetime, e: dict, _r) -> None:
    envelope = Envelope.from_dict(e["envelope"])
    p = json.loads(envelope.payload)

    def make(current, history):
        return release(
            current, signal_id=p["signal_id"], contributors=history.contributors(),
            by=e["member"], reason=p["reason"], now=now, index=index,
        )  # fmt: skip

    if _hold_step(state, index, p["signal_id"], make):
        _accepted(state, index, "release", now, e, envelope, ())


def _accepted(
    state: LogState,
    index: int,
    kind: str,
    now: datetime,
    e: dict,
    envelope: Envelope,
    answered: tuple[tuple[int, str], ...],
) -> None:
    """The statement of entry ``index`` as accepted, with its items' answers."""
    digest = bytes.fromhex(envelope.digest())
    state.statements.append(
        StatementRecord(index, kind, e["member"], e["key_id"], digest, now, answered)
    )


FOLD: dict[str, Callable[[LogState, int, datetime, dict, Any], None]] = {
    "member_added": _member_added,
    "member_suspended": _member_status("suspended"),
    "member_unsuspended": _member_status("active"),
    "member_roles_changed": _member_roles_changed,
    "key_added": _key_added,
    "key_revoked": _key_revoked,
    "taxonomy": _taxonomy,
    "submission": _statement,
    "retraction": _statement,
    "feedback": _statement,
    "incident": _incident,
    "signal_held": _signal_held,
    "signal_released": _signal_released,
    "release": _release,
}
