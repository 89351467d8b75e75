"""A contributor's release of a held signal (DESIGN §15): a signed statement, a log entry
like every statement, applied by the rule of ``domain/holds.py``.

The statement is a DSSE envelope (``PAYLOAD_TYPES["release"]`` of ``wire``) over
``{"member", "created", "signal_id", "reason"}``, read strictly, signed by an active key
of the calling member, who must hold the ``submitter`` role and an active contribution
to the signal. The same envelope twice is stored once and answered the same.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from clearinghouse.domain.holds import release
from clearinghouse.errors import InvalidInput
from clearinghouse.services.adapters.caller import Caller
from clearinghouse.services.adapters.hold_board import HoldBoard
from clearinghouse.services.read_models import transparency
from clearinghouse.services.read_models.transparency import LogKey
from clearinghouse.services.use_cases.holds import apply_hold, check_reason, shown
from clearinghouse.services.use_cases.log_entries import encode_entry
from clearinghouse.services.use_cases.log_writes import log_transaction
from clearinghouse.services.use_cases.signed_payloads import payload_object, read_signed
from clearinghouse.services.use_cases.statements import (
    StatementLimits,
    check_created,
)
from clearinghouse.store import statements as statement_rows
from clearinghouse.store.db import Database
from clearinghouse.store.log import append_entries
from clearinghouse.wire import parse_time, utcnow

__all__ = ["FIELDS", "accept_release"]

FIELDS = {"member", "created", "signal_id", "reason"}


def accept_release(
    db: Database,
    board: HoldBoard,
    log_key: LogKey,
    limits: StatementLimits,
    applied: Callable[[int], None],
    caller: Caller,
    body: bytes,
) -> dict:
    """Verify and apply one release statement; the answer names the signal's hold as it
    now stands, with the entry's checkpoint and inclusion proof."""
    envelope, key_id, payload = read_signed(db, caller, body, "release", _payload)
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

        def make(current, _status, contributors):
            return release(
                current, signal_id=signal_id, contributors=contributors, by=caller.member,
                reason=payload["reason"], now=now, index=index,
            )  # fmt: skip

        record = apply_hold(session, signal_id, make)
        entry = encode_entry(
            "release", now, member=caller.member, key_id=key_id, envelope=envelope.to_dict()
        )
        append_entries(session, [("release", entry)], now)
        statement_id = statement_rows.insert_statement(
            session, kind="release", member_id=caller.member, key_id=key_id, digest=digest,
            log_index=index, now=now,
        )  # fmt: skip
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


def _payload(raw: bytes) -> dict[str, Any]:
    payload = payload_object(raw, FIELDS)
    if not isinstance(payload["member"], str):
        raise InvalidInput("payload.member: expected a string")
    signal_id = payload["signal_id"]
    if isinstance(signal_id, bool) or not isinstance(signal_id, int) or signal_id < 1:
        raise InvalidInput("payload.signal_id: expected a signal id (a positive integer)")
    check_reason(payload["reason"], "payload.reason")
    try:
        if not isinstance(payload["created"], str):
            raise ValueError("expected a string")
        parse_time(payload["created"])
    except ValueError as exc:
        raise InvalidInput(f"payload.created: {exc}") from None
    return payload
