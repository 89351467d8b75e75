"""The items of statements: validation (every bad item listed) and their effect on signals.

``validate_items`` runs inside the write transaction, because whether a retraction or a
feedback item is valid depends on the current state; ``apply_items`` then changes signals,
contributions and feedback, stamping every touched signal with the statement's log index
(the change sequence the feed and the indexes follow).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from clearinghouse.signals.items import ItemErrors, parse_items
from clearinghouse.signals.types import Signal
from clearinghouse.store import Session
from clearinghouse.store import signals as rows
from clearinghouse.store.models import Contribution

if TYPE_CHECKING:
    from clearinghouse.signals.registry import SignalRegistry
    from clearinghouse.signals.taxonomy import Taxonomy

__all__ = ["ParsedItem", "apply_items", "signal_digest", "validate_items"]

MAX_TEXT = 2_000
VERDICTS = ("agree", "disagree")


@dataclass
class ParsedItem:
    signal: Signal
    digest: bytes
    labels: list[str] | None = None
    content_type: str | None = None
    note: str | None = None
    reason: str | None = None
    verdict: str | None = None
    signal_id: int | None = None


def signal_digest(signal: Signal) -> bytes:
    """The identity of a signal: SHA-256 of ``type:canonical value``."""
    return hashlib.sha256(f"{signal.signal_type}:{signal.text}".encode()).digest()


def validate_items(
    registry: SignalRegistry,
    taxonomy: Taxonomy,
    session: Session,
    kind: str,
    member: str,
    items: list[Any],
) -> list[ParsedItem]:
    """Parse and check every item; raise one InvalidInput listing every bad item."""
    errors = ItemErrors()
    signals = parse_items(registry, items, errors=errors, references=kind != "submission")
    parsed: list[ParsedItem | None] = []
    seen: dict[bytes, int] = {}
    cache: dict[tuple, list[str]] = {}
    for i, (item, signal) in enumerate(zip(items, signals, strict=True)):
        if signal is None:
            parsed.append(None)
            continue
        p = ParsedItem(signal, signal_digest(signal))
        if p.digest in seen:
            errors.add(i, "value", f"the same signal as item {seen[p.digest]}")
        seen.setdefault(p.digest, i)
        if kind == "submission":
            p.labels = errors.check(
                i, lambda item=item: _labels(taxonomy, item.get("labels"), cache)
            )
            if p.labels == []:
                errors.add(i, "labels", "at least one label from the taxonomy is required")
            p.content_type = _text(errors, i, item, "content_type", required=True, limit=64)
            p.note = _text(errors, i, item, "note", required=False)
        else:
            p.reason = _text(errors, i, item, "reason", required=True)
        if kind == "feedback" and item.get("verdict") not in VERDICTS:
            errors.add(i, "verdict", f"expected one of {', '.join(VERDICTS)}")
        p.verdict = item.get("verdict") if kind == "feedback" else None
        parsed.append(p)
    if kind != "submission":
        _check_state(session, kind, member, parsed, errors)
    errors.raise_if_any()
    return [p for p in parsed if p is not None]


def _labels(taxonomy: Taxonomy, labels: Any, cache: dict[tuple, list[str]]) -> list[str]:
    """Taxonomy validation, once per distinct label list (statements repeat them)."""
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        return taxonomy.validate(labels)
    key = tuple(labels)
    if key not in cache:
        cache[key] = taxonomy.validate(labels)
    return list(cache[key])


def _text(
    errors: ItemErrors, i: int, item: dict, field: str, *, required: bool, limit: int = MAX_TEXT
) -> str | None:
    value = item.get(field)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        errors.add(i, field, "expected a non-empty string" if required else "expected a string")
        return None
    if len(value) > limit:
        errors.add(i, field, f"longer than {limit} characters")
        return None
    return value


def _check_state(
    session: Session, kind: str, member: str, parsed: list[ParsedItem | None], errors: ItemErrors
) -> None:
    """Retractions need the member's active contribution; feedback needs a known signal."""
    present = [p for p in parsed if p is not None]
    known = rows.ids_by_digest(session, [p.digest for p in present])
    mine: set[int] = set()
    if kind == "retraction" and known:
        mine = {
            c.signal_id
            for c in rows.contributions_of(session, list(known.values()), member)
            if c.status == "active"
        }
    for i, p in enumerate(parsed):
        if p is None:
            continue
        signal_id = known.get(p.digest)
        if signal_id is None:
            errors.add(i, "value", "no such signal in the clearinghouse")
        elif kind == "retraction" and signal_id not in mine:
            errors.add(i, "value", f"member {member!r} has no active contribution to this signal")
        else:
            p.signal_id = signal_id


def apply_items(
    session: Session,
    kind: str,
    member: str,
    statement_id: int,
    log_index: int,
    items: list[ParsedItem],
    now: datetime,
) -> list[dict]:
    """Apply validated items; return ``[{"signal_id", "status"}]`` in item order."""
    if kind == "submission":
        return _submit(session, member, statement_id, log_index, items, now)
    if kind == "retraction":
        return _retract(session, member, statement_id, log_index, items, now)
    return _feedback(session, member, statement_id, log_index, items, now)


def _submit(session, member, statement_id, log_index, items, now) -> list[dict]:
    existing = rows.ids_by_digest(session, [p.digest for p in items])
    new_rows = [
        (
            p.signal.signal_type,
            p.signal.text,
            p.digest,
            p.signal.quality,
            "active",
            now,
            now,
            log_index,
        )
        for p in items
        if p.digest not in existing
    ]
    ids = rows.insert_signals(session, new_rows)
    ids.update(existing)
    contributions = rows.contributions_of(session, list(existing.values()))
    by_signal: dict[int, list[Contribution]] = {}
    for c in contributions:
        by_signal.setdefault(c.signal_id, []).append(c)
    results, inserts, touched = [], [], []
    for p in items:
        sid = ids[p.digest]
        touched.append(sid)
        theirs = by_signal.get(sid, [])
        own = next((c for c in theirs if c.member_id == member), None)
        others_active = any(c.status == "active" and c.member_id != member for c in theirs)
        if own is not None and own.status == "active":
            merged = sorted(set(own.labels) | set(p.labels or []))
            if merged != sorted(own.labels):
                own.labels = merged
            status = "unchanged"
        elif own is not None:  # re-submitting after a retraction
            own.status, own.labels, own.retracted_at = "active", p.labels, None
            own.statement_id, own.retraction_statement_id = statement_id, None
            status = "corroborated" if others_active else "new"
        else:
            inserts.append(
                (sid, member, statement_id, p.labels, p.content_type, p.note, "active", now)
            )
            status = "corroborated" if others_active else "new"
        results.append({"signal_id": sid, "status": status})
    rows.insert_contributions(session, inserts)
    existing_ids = list(existing.values())
    rows.touch_signals(
        session, existing_ids, {"status": "active", "last_seen": now, "updated_index": log_index}
    )
    session.flush()
    return results


def _retract(session, member, statement_id, log_index, items, now) -> list[dict]:
    signal_ids = [p.signal_id for p in items]
    contributions = rows.contributions_of(session, signal_ids)
    remaining: dict[int, int] = {}
    for c in contributions:
        if c.status != "active":
            continue
        if c.member_id == member:
            c.status, c.retracted_at, c.retraction_statement_id = "retracted", now, statement_id
        else:
            remaining[c.signal_id] = remaining.get(c.signal_id, 0) + 1
    session.flush()
    emptied = [sid for sid in signal_ids if not remaining.get(sid)]
    kept = [sid for sid in signal_ids if remaining.get(sid)]
    rows.touch_signals(session, emptied, {"status": "retracted", "updated_index": log_index})
    rows.touch_signals(session, kept, {"updated_index": log_index})
    return [
        {"signal_id": sid, "status": "retracted" if sid in emptied else "contribution_retracted"}
        for sid in signal_ids
    ]


def _feedback(session, member, statement_id, log_index, items, now) -> list[dict]:
    signal_ids = [p.signal_id for p in items]
    verdicts = [(p.signal_id, p.verdict, p.reason) for p in items]
    replaced = rows.record_feedback(session, member, statement_id, verdicts, now)
    rows.touch_signals(session, signal_ids, {"updated_index": log_index})
    return [
        {"signal_id": sid, "status": "replaced" if was else "recorded"}
        for sid, was in zip(signal_ids, replaced, strict=True)
    ]
