"""Holding and releasing signals (DESIGN §15): each is one log entry, under the log lock.

The server's checker (``hold_checker.py``) or the operator holds a signal
(``signal_held``); the operator releases it (``signal_released``), or a member contributing
it does with a signed release statement (``POST /v1/releases``: a DSSE envelope of
``PAYLOAD_TYPES["release"]`` over ``{"member", "created", "signal_id", "reason"}``), kept
in the log verbatim like every statement. The rule is ``domain/holds.py``; a member who
contributes no such signal is told only that (404), whatever the signal's state.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from clearinghouse.crypto import Envelope, verify_envelope
from clearinghouse.domain.holds import OPERATOR, HoldRecord, hold, release
from clearinghouse.domain.transitions import Refused
from clearinghouse.errors import Conflict, Forbidden, InvalidInput, NotFound
from clearinghouse.ijson import read_json
from clearinghouse.services.adapters.caller import Caller
from clearinghouse.services.adapters.hold_board import HoldBoard
from clearinghouse.services.read_models import transparency
from clearinghouse.services.read_models.transparency import LogKey
from clearinghouse.services.use_cases.log_entries import encode_entry
from clearinghouse.services.use_cases.log_writes import log_transaction
from clearinghouse.services.use_cases.statements import (
    StatementLimits,
    check_created,
    member_keys,
)
from clearinghouse.store import Session
from clearinghouse.store import statements as statement_rows
from clearinghouse.store.db import Database
from clearinghouse.store.holds import get_hold, save_hold
from clearinghouse.store.log import append_entries
from clearinghouse.store.signal_reads import signal_states
from clearinghouse.wire import PAYLOAD_TYPES, iso, parse_time, utcnow

__all__ = ["RELEASE_FIELDS", "accept_release", "hold_signal", "release_signal", "shown"]

RELEASE_FIELDS = {"member", "created", "signal_id", "reason"}
REASON_LIMIT = 1000
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def hold_signal(
    db: Database,
    board: HoldBoard,
    applied: Callable[[int], None],
    signal_id: int,
    reason: str,
    *,
    by: str = OPERATOR,
) -> dict:
    """Hold one signal (by the operator, or the checker); logged as ``signal_held``."""
    _check_reason(reason, "reason")
    with log_transaction(db) as (session, now, index):
        state = signal_states(session, [signal_id]).get(signal_id)
        status = None if state is None else state.signal.status
        try:
            record = hold(
                get_hold(session, signal_id), signal_id=signal_id, signal_status=status,
                by=by, reason=reason, now=now, index=index,
            )  # fmt: skip
        except Refused as refused:
            raise _error(refused) from None
        entry = encode_entry("signal_held", now, signal_id=signal_id, by=by, reason=reason)
        append_entries(session, [("signal_held", entry)], now)
        save_hold(session, record)
    board.refresh()
    applied(index)
    return {"log_index": index, "hold": shown(record)}


def release_signal(
    db: Database, board: HoldBoard, applied: Callable[[int], None], signal_id: int, reason: str
) -> dict:
    """The operator's release of a held signal; logged as ``signal_released``."""
    _check_reason(reason, "reason")
    with log_transaction(db) as (session, now, index):
        record = _release(session, signal_id, OPERATOR, reason, now, index)
        entry = encode_entry(
            "signal_released", now, signal_id=signal_id, by=OPERATOR, reason=reason
        )
        append_entries(session, [("signal_released", entry)], now)
        save_hold(session, record)
    board.refresh()
    applied(index)
    return {"log_index": index, "hold": shown(record)}


def accept_release(
    db: Database,
    board: HoldBoard,
    log_key: LogKey,
    limits: StatementLimits,
    applied: Callable[[int], None],
    caller: Caller,
    body: bytes,
) -> dict:
    """Verify and apply a contributor's release statement; the answer is the hold as it
    now stands, with the entry's checkpoint and inclusion proof. The same envelope twice
    is stored once and answered the same."""
    envelope, key_id, payload = _read(db, caller, body)
    digest = bytes.fromhex(envelope.digest())
    with db.read() as session:
        earlier = statement_rows.statement_by_digest(session, digest)
    if earlier is not None:
        return earlier.response
    check_created(parse_time(payload["created"]), utcnow(), limits)
    log_key.signing_key()  # loaded (or created) before the log lock is taken
    signal_id = payload["signal_id"]
    with log_transaction(db) as (session, now, index):
        earlier = statement_rows.statement_by_digest(session, digest)
        if earlier is not None:
            return earlier.response
        record = _release(session, signal_id, caller.member, payload["reason"], now, index)
        entry = encode_entry(
            "release", now, member=caller.member, key_id=key_id, envelope=envelope.to_dict()
        )
        append_entries(session, [("release", entry)], now)
        statement_id = statement_rows.insert_statement(
            session, kind="release", member_id=caller.member, key_id=key_id, digest=digest,
            log_index=index, now=now,
        )  # fmt: skip
        save_hold(session, record)
        response = {
            "statement_id": statement_id,
            "log_index": index,
            "hold": shown(record),
            **transparency.receipt(log_key, session, index, index + 1),
        }
        statement_rows.set_statement_response(session, statement_id, response)
    board.refresh()
    applied(index)
    return response


def shown(record: HoldRecord) -> dict:
    """The shape of a hold in answers and on the command line."""
    return {
        "signal_id": record.signal_id,
        "status": record.status,
        "held_by": record.held_by,
        "reason": record.reason,
        "held_at": iso(record.held_at),
        "released_by": record.released_by,
        "release_reason": record.release_reason,
        "released_at": None if record.released_at is None else iso(record.released_at),
    }


def _release(
    session: Session, signal_id: int, by: str, reason: str, now: datetime, index: int
) -> HoldRecord:
    state = signal_states(session, [signal_id]).get(signal_id)
    if state is None and by == OPERATOR:
        raise NotFound(f"no signal {signal_id}")
    try:
        return release(
            get_hold(session, signal_id), signal_id=signal_id,
            contributors=() if state is None else state.contributors, by=by, reason=reason,
            now=now, index=index,
        )  # fmt: skip
    except Refused as refused:
        raise _error(refused) from None


def _error(refused: Refused) -> Exception:
    """A refusal of the rule as the error the API answers: a member who contributes no
    such signal hears 404 whatever the signal's state, so holds are no oracle."""
    if refused.field == "member" or (refused.field == "signal" and "no signal" in refused.reason):
        return NotFound(refused.reason)
    if refused.field in ("reason", "by"):
        return InvalidInput(f"{refused.field}: {refused.reason}")
    return Conflict(f"{refused.field}: {refused.reason}")


def _check_reason(reason: Any, field: str) -> None:
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidInput(f"{field}: a non-empty text is needed")
    if len(reason) > REASON_LIMIT:
        raise InvalidInput(f"{field}: longer than {REASON_LIMIT}")
    if _CONTROL.search(reason):
        raise InvalidInput(
            f"{field}: holds a control character, line break or bidirectional override"
        )


def _read(db: Database, caller: Caller, body: bytes) -> tuple[Envelope, str, dict]:
    if not body:
        raise InvalidInput("the body must be a DSSE envelope")
    envelope = Envelope.from_json(body)
    if envelope.payload_type != PAYLOAD_TYPES["release"]:
        raise InvalidInput(
            f"payloadType: expected {PAYLOAD_TYPES['release']!r}, got {envelope.payload_type!r}"
        )
    key_id, _ = verify_envelope(envelope, member_keys(db, caller.member))
    payload = read_json(envelope.payload, what="payload")
    if not isinstance(payload, dict):
        raise InvalidInput("payload: expected a JSON object")
    missing, extra = sorted(RELEASE_FIELDS - payload.keys()), sorted(payload.keys() - RELEASE_FIELDS)
    if missing or extra:
        parts = ([f"missing {', '.join(missing)}"] if missing else []) + (
            [f"unexpected {', '.join(extra)}"] if extra else []
        )
        raise InvalidInput("payload: " + "; ".join(parts))
    if payload["member"] != caller.member:
        raise Forbidden(
            f"the payload names member {payload['member']!r} but the request is signed "
            f"by {caller.member!r}"
        )
    signal_id = payload["signal_id"]
    if isinstance(signal_id, bool) or not isinstance(signal_id, int) or signal_id < 1:
        raise InvalidInput("payload.signal_id: expected a signal id (a positive integer)")
    _check_reason(payload["reason"], "payload.reason")
    try:
        if not isinstance(payload["created"], str):
            raise ValueError("expected a string")
        parse_time(payload["created"])
    except ValueError as exc:
        raise InvalidInput(f"payload.created: {exc}") from None
    return envelope, key_id, payload
