"""Statements as DESIGN §4.2 defines them: payloads, their items, and signing into DSSE.

A statement is ``{"member", "created", "items"}`` signed as a DSSE envelope with the
member's key. The payload bytes are produced once, here, and never re-serialised: what is
signed is what the server keeps in its log.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from clearinghouse.client.hash_lines import signal_of
from clearinghouse.crypto import Envelope, SigningKey, sign_envelope
from clearinghouse.errors import InvalidInput
from clearinghouse.signals import SignalError, default_registry
from clearinghouse.wire import ENDPOINTS, PAYLOAD_TYPES, STATEMENT_ITEMS_LIMIT, VERDICTS

__all__ = [
    "ENDPOINTS",
    "MAX_ITEMS",
    "PAYLOAD_TYPES",
    "VERDICTS",
    "BelowMinimumQuality",
    "feedback_item",
    "retraction_item",
    "rfc3339",
    "sign_incident",
    "sign_release",
    "sign_statement",
    "statement_payload",
    "submission_item",
    "unknown_label_text",
]

# The server's default limit (CLEARINGHOUSE_MAX_STATEMENT_ITEMS); larger statements are refused.
MAX_ITEMS = STATEMENT_ITEMS_LIMIT


def rfc3339(moment: datetime | str | None = None) -> str:
    """``moment`` (default now) as RFC 3339 UTC to the second, e.g. ``2024-05-01T12:00:00Z``."""
    if isinstance(moment, str):
        return moment
    moment = moment or datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("created must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def statement_payload(
    member: str, items: Sequence[Mapping[str, Any]], created: datetime | str | None = None
) -> bytes:
    """The exact payload bytes of a statement by ``member`` about ``items``."""
    payload = {"member": member, "created": rfc3339(created), "items": list(items)}
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign_statement(
    kind: str,
    member: str,
    items: Sequence[Mapping[str, Any]],
    key: SigningKey,
    *,
    created: datetime | str | None = None,
) -> Envelope:
    """A DSSE envelope of a ``submission``, ``retraction`` or ``feedback`` statement."""
    if kind not in PAYLOAD_TYPES:
        raise ValueError(f"unknown statement kind {kind!r}")
    if not items:
        raise InvalidInput("a statement needs at least one item")
    if len(items) > MAX_ITEMS:
        raise InvalidInput(f"a statement holds at most {MAX_ITEMS} items, got {len(items)}")
    return sign_envelope(PAYLOAD_TYPES[kind], statement_payload(member, items, created), key)


def sign_incident(
    member: str,
    action: str,
    incident: str,
    key: SigningKey,
    *,
    title: str = "",
    summary: str = "",
    created: datetime | str | None = None,
) -> Envelope:
    """A DSSE envelope of an incident statement: ``declare``, ``update`` or ``conclude``
    (an empty title or summary in an update keeps the one before)."""
    payload = {
        "member": member,
        "created": rfc3339(created),
        "action": action,
        "incident": incident,
        "title": title,
        "summary": summary,
    }
    raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return sign_envelope(PAYLOAD_TYPES["incident"], raw, key)


class BelowMinimumQuality(InvalidInput):
    """A PDQ hash whose quality is under the minimum the server accepts: skipped, counted."""


def _signal(line: Mapping[str, Any], *, reference: bool = False) -> dict[str, Any]:
    """The signal of a hash line, checked here as the server would check it."""
    signal = signal_of(line)
    registry = default_registry()
    try:
        if reference:
            registry.parse_reference(signal["signal_type"], signal["value"], signal.get("quality"))
        else:
            registry.parse(signal["signal_type"], signal["value"], signal.get("quality"))
    except SignalError as exc:
        if exc.field == "quality" and "below the minimum" in exc.reason:
            raise BelowMinimumQuality(exc.detail) from None
        raise
    return signal


def unknown_label_text(label: str, known_labels: Collection[str]) -> str:
    """Why ``label`` is refused, with the nearest labels of the taxonomy."""
    import difflib

    near = difflib.get_close_matches(label, sorted(known_labels), n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(repr(n) for n in near)}?" if near else ""
    return f"unknown label {label!r}{hint} (see `clearinghouse labels`)"


def submission_item(
    line: Mapping[str, Any],
    labels: Iterable[str],
    *,
    content_type: str | None = None,
    note: str | None = None,
    known_labels: Collection[str] | None = None,
) -> dict[str, Any]:
    """A submission item from a hash line; ``content_type`` fills in when the line has none.

    The line's own labels (from a CSV's tags) join ``labels``; with ``known_labels``,
    any other label is refused here rather than by the server.
    """
    item = _signal(line)
    labels = list(dict.fromkeys([*(line.get("labels") or []), *labels]))
    if not labels:
        raise InvalidInput("the line has no labels (give --label)")
    if known_labels is not None:
        unknown = [label for label in labels if label not in known_labels]
        if unknown:
            raise InvalidInput(unknown_label_text(unknown[0], known_labels))
    kind = line.get("content_type") or content_type
    if not kind:
        raise InvalidInput("the line has no content_type (give --content-type)")
    item["content_type"] = kind
    item["labels"] = labels
    kind = default_registry().types.get(item["signal_type"])
    if kind is not None and kind.has_regions and line.get("regions"):
        item["regions"] = [{"pdq": r["pdq"], "quality": r["quality"]} for r in line["regions"]]
    if note is not None:
        item["note"] = note
    return item


def retraction_item(line: Mapping[str, Any], reason: str) -> dict[str, Any]:
    """A retraction item: the signal of a hash line and why it is withdrawn."""
    return {**_signal(line, reference=True), "reason": reason}


def feedback_item(line: Mapping[str, Any], verdict: str, reason: str) -> dict[str, Any]:
    """A feedback item: ``agree`` or ``disagree`` with a signal, and why."""
    if verdict not in VERDICTS:
        raise InvalidInput(f"verdict must be agree or disagree, got {verdict!r}")
    return {**_signal(line, reference=True), "verdict": verdict, "reason": reason}


def sign_release(
    member: str,
    signal_id: int,
    reason: str,
    key: SigningKey,
    created: datetime | str | None = None,
) -> Envelope:
    """A DSSE envelope of a release statement: a contributor's release of a held signal."""
    payload = {"member": member, "created": rfc3339(created), "signal_id": signal_id,
               "reason": reason}  # fmt: skip
    raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return sign_envelope(PAYLOAD_TYPES["release"], raw, key)
