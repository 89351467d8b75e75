"""Reading a signed statement other than a submission (an incident action, a release): the
DSSE envelope of the expected payload type, signed by an active key of the calling member,
whose payload is a JSON object of exactly the expected fields and names that member."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from clearinghouse.crypto import Envelope, verify_envelope
from clearinghouse.errors import Forbidden, InvalidInput
from clearinghouse.ijson import read_json
from clearinghouse.services.adapters.caller import Caller
from clearinghouse.services.use_cases.statements import member_keys
from clearinghouse.store.db import Database
from clearinghouse.wire import PAYLOAD_TYPES

__all__ = ["payload_object", "read_signed"]


def read_signed(
    db: Database,
    caller: Caller,
    body: bytes,
    kind: str,
    parse: Callable[[bytes], dict[str, Any]],
) -> tuple[Envelope, str, dict]:
    """The envelope, the id of the key that signed it and the payload ``parse`` read."""
    if not body:
        raise InvalidInput("the body must be a DSSE envelope")
    envelope = Envelope.from_json(body)
    expected = PAYLOAD_TYPES[kind]
    if envelope.payload_type != expected:
        raise InvalidInput(f"payloadType: expected {expected!r}, got {envelope.payload_type!r}")
    key_id, _ = verify_envelope(envelope, member_keys(db, caller.member))
    payload = parse(envelope.payload)
    if payload["member"] != caller.member:
        raise Forbidden(
            f"the payload names member {payload['member']!r} but the request is signed "
            f"by {caller.member!r}"
        )
    return envelope, key_id, payload


def payload_object(raw: bytes, fields: set[str]) -> dict[str, Any]:
    """The payload as a JSON object of exactly ``fields`` (each missing or unexpected
    one named), its values not yet checked."""
    payload = read_json(raw, what="payload")
    if not isinstance(payload, dict):
        raise InvalidInput("payload: expected a JSON object")
    missing, extra = sorted(fields - payload.keys()), sorted(payload.keys() - fields)
    if missing or extra:
        parts = ([f"missing {', '.join(missing)}"] if missing else []) + (
            [f"unexpected {', '.join(extra)}"] if extra else []
        )
        raise InvalidInput("payload: " + "; ".join(parts))
    return payload
