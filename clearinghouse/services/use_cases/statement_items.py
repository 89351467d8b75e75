"""The items of statements: parsed and checked on their own (every bad item listed),
then applied to the signals they name through the domain's transitions.

``parse_items`` needs no database. ``apply_items`` runs inside the statement's write
transaction: it loads the histories of the signals named, applies ``domain.apply_item``
to each (the rule the log fold applies too), collects the items the rules refuse, and
saves the changes only when none was refused: a statement is all or nothing. Every
touched signal is stamped with the statement's log index (the change sequence the feed
and the indexes follow).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from clearinghouse import domain
from clearinghouse.domain.items import (
    FeedbackItem,
    Item,
    RetractionItem,
    SubmissionItem,
    signal_digest,
)
from clearinghouse.domain.transitions import VERDICTS, Stamp
from clearinghouse.errors import InvalidInput
from clearinghouse.signals.items import ItemErrors
from clearinghouse.signals.items import parse_items as parse_signals
from clearinghouse.signals.regions import Region, parse_regions
from clearinghouse.store import Session
from clearinghouse.store import histories as store
from clearinghouse.store.regions import insert_regions
from clearinghouse.wire import CONTENT_TYPES

if TYPE_CHECKING:
    from clearinghouse.signals.registry import SignalRegistry
    from clearinghouse.signals.taxonomy import Taxonomy

__all__ = [
    "FeedbackItem",
    "RetractionItem",
    "SubmissionItem",
    "apply_items",
    "parse_items",
]

MAX_TEXT = 2_000
# The fields an item of each kind may carry; anything else would ride unsigned-for into
# the log, so it is refused (DESIGN §11).
ITEM_FIELDS = {
    "submission": frozenset(
        {"signal_type", "value", "quality", "content_type", "labels", "note", "regions"}
    ),
    "retraction": frozenset({"signal_type", "value", "quality", "reason"}),
    "feedback": frozenset({"signal_type", "value", "quality", "verdict", "reason"}),
}
# Free text goes into the permanent log and onto auditors' screens: no control characters
# (newlines and tabs included), no line or paragraph separators, and no bidirectional
# embeddings, overrides or isolates, which can make a note read differently than it is.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
UNKNOWN = domain.SignalHistory(None)  # the history of a signal not submitted yet


def parse_items(
    registry: SignalRegistry, taxonomy: Taxonomy, kind: str, items: list[Any]
) -> list[Item]:
    """Parse and check every item of a ``kind`` statement; raise one InvalidInput
    listing every bad item."""
    errors = ItemErrors()
    signals = parse_signals(registry, items, errors=errors, references=kind != "submission")
    parsed: list[Item] = []
    seen: dict[bytes, int] = {}
    cache: dict[tuple, tuple[str, ...]] = {}
    fields = ITEM_FIELDS[kind]
    for i, (item, signal) in enumerate(zip(items, signals, strict=True)):
        if isinstance(item, dict) and not fields.issuperset(item):
            for name in sorted(set(item) - fields):
                errors.add(i, name, "unknown field")
        if signal is None:
            continue
        digest = signal_digest(signal)
        if digest in seen:
            errors.add(i, "value", f"the same signal as item {seen[digest]}")
        seen.setdefault(digest, i)
        if kind == "submission":
            try:
                labels = _labels(taxonomy, item.get("labels"), cache)
            except InvalidInput as error:
                errors.record(i, error)
                labels = None
            if labels == ():
                errors.add(i, "labels", "at least one label from the taxonomy is required")
            content_type = _text(errors, i, item, "content_type", required=True, limit=64)
            if content_type is not None and content_type not in CONTENT_TYPES:
                errors.add(
                    i, "content_type", "not a media type from the documented list (docs/signals.md)"
                )
                content_type = None
            note = _text(errors, i, item, "note", required=False)
            regions: tuple[Region, ...] = ()
            if "regions" in item:
                try:
                    regions = parse_regions(registry, signal.signal_type, item["regions"])
                except InvalidInput as error:
                    errors.record(i, error)
            parsed.append(SubmissionItem(signal, digest, labels or (), content_type, note, regions))
            continue
        reason = _text(errors, i, item, "reason", required=True)
        if kind == "retraction":
            parsed.append(RetractionItem(signal, digest, reason))
            continue
        verdict = item.get("verdict")
        if verdict not in VERDICTS:
            errors.add(i, "verdict", f"expected one of {', '.join(VERDICTS)}")
        parsed.append(FeedbackItem(signal, digest, verdict, reason))
    errors.raise_if_any()
    return parsed


def _labels(
    taxonomy: Taxonomy, labels: Any, cache: dict[tuple, tuple[str, ...]]
) -> tuple[str, ...]:
    """Taxonomy validation, once per distinct label list (statements repeat them): the
    labels sorted, each once."""
    if not isinstance(labels, list):
        return tuple(taxonomy.validate(labels))  # raises: not a list
    try:
        return cache[tuple(labels)]
    except (KeyError, TypeError):  # not seen yet, or holding unhashable values
        checked = tuple(sorted(taxonomy.validate(labels)))
        cache[tuple(labels)] = checked
        return checked


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
    if _CONTROL.search(value):
        errors.add(i, field, "holds a control character or line break")
        return None
    if _BIDI.search(value):
        errors.add(i, field, "holds a bidirectional override or isolate (U+202A–E, U+2066–9)")
        return None
    return value


def apply_items(session: Session, kind: str, stamp: Stamp, items: list[Item]) -> list[dict]:
    """Apply parsed items; return ``[{"signal_id", "status"}]`` in item order, or raise
    one InvalidInput listing every item the rules refuse (and write nothing)."""
    known = store.histories(session, [p.digest for p in items], with_feedback=kind == "feedback")
    errors = ItemErrors()
    changes: list[domain.Change] = []
    results: list[dict] = []
    regions: list[tuple[int, int, bytes, int]] = []
    next_id = store.next_signal_id(session) if kind == "submission" else 0
    for i, item in enumerate(items):
        history = known.get(item.digest, UNKNOWN)
        try:
            outcome = domain.apply_item(kind, history, stamp, item, next_id)
        except domain.Refused as refused:
            errors.add(i, refused.field, refused.reason)
            continue
        if domain.creates_signal(kind, history):
            regions += [(next_id, slot, r.code, r.quality) for slot, r in enumerate(item.regions)]
            next_id += 1
        changes.extend(outcome.changes)
        results.append({"signal_id": outcome.after.signal.id, "status": outcome.status})
    errors.raise_if_any()
    store.save_changes(session, changes)
    insert_regions(session, regions)  # after the signals they belong to
    return results
