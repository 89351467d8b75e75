"""Signed statements (DESIGN §4.2): submissions, retractions and feedback.

One pipeline for the three kinds: read the DSSE envelope, check that the calling member
signed it with an active key and names itself in the payload, validate every item
(all-or-nothing, every bad item listed), then — in one transaction under the log lock —
apply it to signals, contributions and feedback and append the envelope to the log.
The same envelope sent again gets the first answer back and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from clearinghouse.crypto import Envelope, VerifyKey, verify_envelope
from clearinghouse.domain.transitions import Stamp
from clearinghouse.errors import Forbidden, InvalidInput, LimitExceeded
from clearinghouse.ijson import read_json
from clearinghouse.services.adapters.caller import Caller
from clearinghouse.services.adapters.gc_pause import collector_paused
from clearinghouse.services.adapters.incident_board import IncidentBoard
from clearinghouse.services.read_models import transparency
from clearinghouse.services.read_models.transparency import LogKey
from clearinghouse.services.use_cases.log_entries import encode_entry
from clearinghouse.services.use_cases.log_writes import log_transaction
from clearinghouse.services.use_cases.statement_items import apply_items, parse_items
from clearinghouse.signals.registry import SignalRegistry
from clearinghouse.store import membership
from clearinghouse.store import statements as rows
from clearinghouse.store.db import Database
from clearinghouse.store.log import append_entries
from clearinghouse.wire import PAYLOAD_TYPES, iso, parse_time, utcnow

__all__ = [
    "KINDS",
    "PAYLOAD_TYPES",
    "Statement",
    "StatementLimits",
    "StatementParts",
    "accept_statement",
    "check_created",
    "member_keys",
    "read_statement",
]

KINDS = tuple(PAYLOAD_TYPES)
PAYLOAD_FIELDS = {"member", "created", "items"}


@dataclass(frozen=True)
class StatementLimits:
    """The settings a statement is judged by: items per statement
    (``CLEARINGHOUSE_MAX_STATEMENT_ITEMS``), and how far ahead of the server clock
    (``…_STATEMENT_MAX_SKEW``) or behind it (``…_STATEMENT_MAX_AGE``) its time may be, in s."""

    max_items: int
    max_skew: int
    max_age: int


@dataclass(frozen=True)
class StatementParts:
    """What accepting a statement uses: the database, the signal types, the incident
    board (labels declared a moment ago), the log's signing key, the limits, and
    ``applied``, told the log index of each statement committed (the indexes and the
    deliverer of this process catch up)."""

    db: Database
    registry: SignalRegistry
    board: IncidentBoard
    log_key: LogKey
    limits: StatementLimits
    applied: Callable[[int], None]


@dataclass(frozen=True)
class Statement:
    """A verified statement, ready to apply."""

    kind: str
    envelope: Envelope
    key_id: str
    member: str
    items: list[Any]
    created: datetime


def accept_statement(parts: StatementParts, kind: str, caller: Caller, body: bytes) -> dict:
    """Verify, validate and apply one statement; return the answer (the first one again
    when the same envelope was accepted before)."""
    with collector_paused():  # its many short-lived records: see services/adapters/gc_pause.py
        return _accept(parts, kind, caller, body)


def _accept(parts: StatementParts, kind: str, caller: Caller, body: bytes) -> dict:
    keys = member_keys(parts.db, caller.member)
    statement = read_statement(keys, parts.limits.max_items, kind, caller, body)
    digest = bytes.fromhex(statement.envelope.digest())
    with parts.db.read() as session:
        earlier = rows.statement_by_digest(session, digest)
    if earlier is not None:
        return earlier.response
    # Only a new statement's time is judged: the same envelope again still gets its
    # first answer, however old it has grown.
    check_created(statement.created, utcnow(), parts.limits)
    parts.board.ensure_items(statement.items)  # a label declared a moment ago counts
    parsed = parse_items(parts.registry, parts.board.taxonomy(), kind, statement.items)
    parts.log_key.signing_key()  # loaded (or created) before the log lock is taken
    with log_transaction(parts.db) as (session, now, index):
        # Checked again under the lock: two identical envelopes racing are stored once.
        earlier = rows.statement_by_digest(session, digest)
        if earlier is not None:
            return earlier.response
        entry = encode_entry(
            kind,
            now,
            member=statement.member,
            key_id=statement.key_id,
            envelope=statement.envelope.to_dict(),
        )
        append_entries(session, [(kind, entry)], now)
        statement_id = rows.insert_statement(
            session,
            kind=kind,
            member_id=statement.member,
            key_id=statement.key_id,
            digest=digest,
            log_index=index,
            now=now,
        )
        stamp = Stamp(statement.member, statement_id, index, now)
        results = apply_items(session, kind, stamp, parsed)
        if "matcher" not in caller.roles:
            results = [_without_oracle(r) for r in results]
        response = {
            "statement_id": statement_id,
            "log_index": index,
            "items": results,
            **transparency.receipt(parts.log_key, session, index, index + 1),
        }
        rows.set_statement_response(session, statement_id, response)
    parts.applied(index)
    return response


def read_statement(
    keys: Callable[[str], VerifyKey | None], max_items: int, kind: str, caller: Caller, body: bytes
) -> Statement:
    """The ``kind`` statement in ``body``, its envelope signed by one of the caller's
    ``keys`` (key id → key, None for any other), its payload read strictly (at most
    ``max_items`` items) and naming the caller. Needs no database: ``keys`` is
    ``member_keys`` when serving."""
    if not body:
        raise InvalidInput("the body must be a DSSE envelope")
    envelope = Envelope.from_json(body)
    if envelope.payload_type != PAYLOAD_TYPES[kind]:
        raise InvalidInput(
            f"payloadType: expected {PAYLOAD_TYPES[kind]!r}, got {envelope.payload_type!r}"
        )
    key_id, _ = verify_envelope(envelope, keys)
    payload = _payload(envelope.payload, max_items)
    if payload["member"] != caller.member:
        raise Forbidden(
            f"the payload names member {payload['member']!r} but the request is signed "
            f"by {caller.member!r}"
        )
    created = _created(payload["created"])
    return Statement(kind, envelope, key_id, caller.member, payload["items"], created)


def member_keys(db: Database, member_id: str) -> Callable[[str], VerifyKey | None]:
    """Resolve only the active keys of ``member_id``: any other signer is unknown."""

    def resolve(key_id: str) -> VerifyKey | None:
        with db.read() as session:
            key = membership.active_key(session, key_id)
        if key is None or key.member_id != member_id:
            return None
        return VerifyKey(key.public_key)

    return resolve


def _payload(raw: bytes, max_items: int) -> dict:
    payload = read_json(raw, what="payload")
    if not isinstance(payload, dict):
        raise InvalidInput("payload: expected a JSON object")
    missing = sorted(PAYLOAD_FIELDS - payload.keys())
    extra = sorted(payload.keys() - PAYLOAD_FIELDS)
    if missing or extra:
        raise InvalidInput(
            "payload: "
            + "; ".join(
                ([f"missing {', '.join(missing)}"] if missing else [])
                + ([f"unexpected {', '.join(extra)}"] if extra else [])
            )
        )
    if not isinstance(payload["member"], str):
        raise InvalidInput("payload.member: expected a string")
    _created(payload["created"])
    items = payload["items"]
    if not isinstance(items, list) or not items:
        raise InvalidInput("payload.items: expected a non-empty list")
    if len(items) > max_items:
        raise InvalidInput(f"payload.items: {len(items)} items; at most {max_items} per statement")
    return payload


def _created(value: Any) -> datetime:
    if not isinstance(value, str):
        raise InvalidInput("payload.created: expected an RFC 3339 time string")
    try:
        return parse_time(value)
    except ValueError as exc:
        raise InvalidInput(f"payload.created: {exc}") from None


def check_created(created: datetime, now: datetime, limits: StatementLimits) -> None:
    """Refuse (422) a statement dated further into the future than the allowed skew or
    older than the allowed age: its time goes into the permanent log as the member's word."""
    ahead = limits.max_skew
    if created > now + timedelta(seconds=ahead):
        raise LimitExceeded(
            f"payload.created: {iso(created)} is more than {ahead} s ahead of the server "
            f"clock ({iso(now)}); the allowed skew is {ahead} s",
            limit="CLEARINGHOUSE_STATEMENT_MAX_SKEW",
        )
    age = limits.max_age
    if created < now - timedelta(seconds=age):
        raise LimitExceeded(
            f"payload.created: {iso(created)} is more than {age} s before the server "
            f"clock ({iso(now)}); statements older than {age} s are refused",
            limit="CLEARINGHOUSE_STATEMENT_MAX_AGE",
        )


def _without_oracle(result: dict) -> dict:
    """A submission's item as a member without the matcher role sees it: whether another
    member held the hash (``new`` / ``corroborated``, or a long-standing signal id) is a
    lookup, which it may not make (DESIGN §11). Its own repeat (``unchanged``) stays."""
    if result.get("status") in ("new", "corroborated"):
        return {"status": "accepted"}
    return {"status": result["status"]}
