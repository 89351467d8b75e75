"""Declared incidents (DESIGN §14): a coordinator's signed statement declares, updates or
concludes one; each is a log entry like every statement, and the incidents are listed.

The statement is a DSSE envelope (``PAYLOAD_TYPES["incident"]`` of ``wire``) over
``{"member", "created", "action", "incident", "title", "summary"}``, read strictly, signed
by an active key of the calling member, who must hold the ``coordinator`` role.
Declaring adds the label ``incident:<slug>`` to the taxonomy; the same envelope twice is
stored once and answered the same.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from clearinghouse.domain.incidents import apply_action
from clearinghouse.domain.transitions import Refused
from clearinghouse.errors import Conflict, InvalidInput, NotFound
from clearinghouse.services.adapters.caller import Caller
from clearinghouse.services.adapters.incident_board import IncidentBoard
from clearinghouse.services.read_models import transparency
from clearinghouse.services.read_models.incident_figures import shown
from clearinghouse.services.read_models.transparency import LogKey
from clearinghouse.services.use_cases.log_entries import encode_entry
from clearinghouse.services.use_cases.log_writes import log_transaction
from clearinghouse.services.use_cases.signed_payloads import payload_object, read_signed
from clearinghouse.services.use_cases.statements import (
    StatementLimits,
    check_created,
)
from clearinghouse.store import incidents as rows
from clearinghouse.store import statements as statement_rows
from clearinghouse.store.db import Database
from clearinghouse.store.log import append_entries
from clearinghouse.wire import (
    INCIDENT_ACTIONS,
    INCIDENT_SLUG,
    parse_time,
    utcnow,
)

__all__ = ["FIELDS", "accept_incident", "listing", "shown"]

FIELDS = {"member", "created", "action", "incident", "title", "summary"}
LIMITS = {"title": 200, "summary": 4000}
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def accept_incident(
    db: Database,
    board: IncidentBoard,
    log_key: LogKey,
    limits: StatementLimits,
    applied: Callable[[int], None],
    caller: Caller,
    body: bytes,
) -> dict:
    """Verify and apply one incident statement; the answer names the incident as it now
    stands, with the entry's checkpoint and inclusion proof. The ``board`` is refreshed
    and ``applied`` told the entry's log index once it commits."""
    envelope, key_id, payload = read_signed(db, caller, body, "incident", _payload)
    digest = bytes.fromhex(envelope.digest())
    with db.read() as session:
        earlier = statement_rows.statement_by_digest(session, digest)
    if earlier is not None:
        return earlier.response
    check_created(parse_time(payload["created"]), utcnow(), limits)
    log_key.signing_key()  # loaded (or created) before the log lock is taken
    slug = payload["incident"]
    with log_transaction(db) as (session, now, index):
        earlier = statement_rows.statement_by_digest(session, digest)
        if earlier is not None:
            return earlier.response
        try:
            record = apply_action(
                rows.get_incident(session, slug), action=payload["action"], slug=slug,
                title=payload["title"], summary=payload["summary"], member=caller.member,
                now=now, index=index,
            )  # fmt: skip
        except Refused as refused:
            error = NotFound if "no incident" in refused.reason else Conflict
            raise error(f"{refused.field}: {refused.reason}") from None
        entry = encode_entry(
            "incident", now, member=caller.member, key_id=key_id, envelope=envelope.to_dict()
        )
        append_entries(session, [("incident", entry)], now)
        statement_id = statement_rows.insert_statement(
            session, kind="incident", member_id=caller.member, key_id=key_id, digest=digest,
            log_index=index, now=now,
        )  # fmt: skip
        rows.save_incident(session, record)
        response = {
            "statement_id": statement_id,
            "log_index": index,
            "incident": shown(record),
            **transparency.receipt(log_key, session, index, index + 1),
        }
        statement_rows.set_statement_response(session, statement_id, response)
    board.refresh()
    applied(index)
    return response


def listing(db: Database) -> dict:
    """Every incident, the latest declared first."""
    with db.read() as session:
        return {"incidents": [shown(r) for r in rows.all_incidents(session)]}


def _payload(raw: bytes) -> dict[str, Any]:
    payload = payload_object(raw, FIELDS)
    errors = []
    for field in ("member", "created", "action", "incident", "title", "summary"):
        if not isinstance(payload[field], str):
            errors.append({"field": f"payload.{field}", "reason": "expected a string"})
    if errors:
        raise InvalidInput("payload: bad fields", errors=errors)
    if payload["action"] not in INCIDENT_ACTIONS:
        reason = f"expected one of {', '.join(INCIDENT_ACTIONS)}"
        errors.append({"field": "payload.action", "reason": reason})
    slug = payload["incident"]
    if not INCIDENT_SLUG.fullmatch(slug) or len(slug) > 63:
        reason = "expected a slug: lowercase letters and digits in words joined by -, ≤ 63"
        errors.append({"field": "payload.incident", "reason": reason})
    for field, limit in LIMITS.items():
        text = payload[field]
        if len(text) > limit:
            errors.append({"field": f"payload.{field}", "reason": f"longer than {limit}"})
        elif _CONTROL.search(text):
            reason = "holds a control character, line break or bidirectional override"
            errors.append({"field": f"payload.{field}", "reason": reason})
    if payload["action"] == "declare" and not payload["title"].strip():
        errors.append({"field": "payload.title", "reason": "a declared incident needs a title"})
    try:
        parse_time(payload["created"])
    except ValueError as exc:
        errors.append({"field": "payload.created", "reason": str(exc)})
    if errors:
        raise InvalidInput(f"payload: {len(errors)} bad field(s)", errors=errors)
    return payload
