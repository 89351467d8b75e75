"""DSSE envelopes: the signed form of every statement a member makes (DESIGN §4.2).

A signature covers the DSSE v1 pre-authentication encoding (PAE) of the payload type and
the exact payload bytes, so the payload is never re-serialised before it is checked. The
JSON form is ``{"payloadType", "payload": base64, "signatures": [{"keyid", "sig"}]}``.

Parsing is strict: the JSON goes through the one I-JSON reader, every field must be
present with the right type, unknown fields are refused (nothing unsigned may ride along
into the log), there is exactly one signature, and base64 must decode cleanly.
As DSSE requires, both the standard and the URL-safe base64 alphabet are accepted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from clearinghouse.crypto.keys import SigningKey, VerifyKey
from clearinghouse.errors import (
    AuthenticationError,
    InvalidInput,
    NotFound,
    VerificationError,
)
from clearinghouse.ijson import read_json
from clearinghouse.wire import b64decode, b64encode

__all__ = ["MAX_SIGNATURES", "Envelope", "pae", "sign_envelope", "verify_envelope"]

# A statement is signed by one key of one member (DESIGN §11); a second signature is
# unsigned baggage that would enter the log.
MAX_SIGNATURES = 1

_FIELDS = {"payloadType", "payload", "signatures"}
_SIGNATURE_FIELDS = {"keyid", "sig"}


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding: ``DSSEv1 SP LEN(type) SP type SP LEN(body) SP body``."""
    type_bytes = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(type_bytes), type_bytes, len(payload), payload)


@dataclass(frozen=True)
class Envelope:
    """A DSSE envelope: a payload, its type, and ``(keyid, signature)`` pairs."""

    payload_type: str
    payload: bytes
    signatures: tuple[tuple[str, bytes], ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        # Accept any sequence of pairs but keep an immutable, hashable tuple.
        object.__setattr__(self, "signatures", tuple((k, s) for k, s in self.signatures))

    @classmethod
    def from_json(cls, data: bytes | str) -> Envelope:
        """Parse the JSON form; anything malformed is InvalidInput naming the field."""
        try:
            obj = read_json(data, what="envelope")
        except InvalidInput as exc:
            raise _invalid("envelope", exc.detail.removeprefix("envelope: ")) from None
        return cls.from_dict(obj)

    @classmethod
    def from_dict(cls, obj: Any) -> Envelope:
        """Build from the decoded JSON object, checking every field."""
        if not isinstance(obj, dict):
            raise _invalid("envelope", "must be a JSON object")
        unknown = sorted(set(obj) - _FIELDS)
        if unknown:
            raise _invalid(unknown[0], "unknown field")
        payload_type = _required(obj, "payloadType", str, "envelope")
        if not payload_type:
            raise _invalid("payloadType", "must not be empty")
        payload = _b64decode(_required(obj, "payload", str, "envelope"), "payload")
        raw_signatures = _required(obj, "signatures", list, "envelope")
        if not raw_signatures:
            raise _invalid("signatures", "must hold at least one signature")
        if len(raw_signatures) > MAX_SIGNATURES:
            raise _invalid("signatures", f"exactly {MAX_SIGNATURES} signature is allowed")
        signatures = []
        for i, raw in enumerate(raw_signatures):
            where = f"signatures[{i}]"
            if not isinstance(raw, dict):
                raise _invalid(where, "must be a JSON object")
            unknown = sorted(set(raw) - _SIGNATURE_FIELDS)
            if unknown:
                raise _invalid(f"{where}.{unknown[0]}", "unknown field")
            keyid = _required(raw, "keyid", str, where)
            sig = _b64decode(_required(raw, "sig", str, where), f"{where}.sig")
            signatures.append((keyid, sig))
        return cls(payload_type, payload, tuple(signatures))

    def to_dict(self) -> dict[str, Any]:
        """The JSON object form, with standard padded base64."""
        return {
            "payloadType": self.payload_type,
            "payload": b64encode(self.payload),
            "signatures": [
                {"keyid": keyid, "sig": b64encode(sig)} for keyid, sig in self.signatures
            ],
        }

    def to_json(self) -> bytes:
        """Compact JSON bytes of ``to_dict()``."""
        return json.dumps(self.to_dict(), separators=(",", ":"), sort_keys=True).encode()

    def pae(self) -> bytes:
        """The bytes every signature of this envelope covers."""
        return pae(self.payload_type, self.payload)

    def digest(self) -> str:
        """A stable hex SHA-256 identifying this envelope, for idempotent storage.

        It covers the PAE (payload type and exact payload bytes) and then each signature,
        sorted, as ``LEN(keyid) SP keyid SP LEN(sig) SP sig``. It ignores everything that
        does not change what was said or who signed it: JSON whitespace, key order, the
        base64 alphabet or padding, and the order of signatures. Lengths are prefixed, as
        in the PAE itself, so no two different envelopes share an encoding.
        """
        h = hashlib.sha256(self.pae())
        for keyid, sig in sorted(self.signatures):
            kid = keyid.encode("utf-8")
            h.update(b" %d %s %d %s" % (len(kid), kid, len(sig), sig))
        return h.hexdigest()


def sign_envelope(payload_type: str, payload: bytes, signing_key: SigningKey) -> Envelope:
    """An envelope holding one signature by ``signing_key``, with keyid = its key_id."""
    sig = signing_key.sign(pae(payload_type, payload))
    return Envelope(payload_type, payload, ((signing_key.key_id, sig),))


def verify_envelope(
    envelope: Envelope, resolve_key: Callable[[str], VerifyKey | None]
) -> tuple[str, VerifyKey]:
    """The ``(keyid, key)`` of the first signature that verifies; else VerificationError.

    ``resolve_key`` maps a keyid to the key it names. Returning None or raising
    KeyError, NotFound or AuthenticationError means the keyid is unknown (or revoked),
    and that signature is skipped; any other exception (a database outage, say)
    propagates, because it says nothing about the envelope.
    """
    message = envelope.pae()
    for keyid, sig in envelope.signatures:
        try:
            key = resolve_key(keyid)
        except (KeyError, NotFound, AuthenticationError):
            continue
        if key is None:
            continue
        try:
            key.verify(sig, message)
        except VerificationError:
            continue
        return keyid, key
    raise VerificationError("no signature on the envelope verifies with a known key")


def _invalid(field_name: str, reason: str) -> InvalidInput:
    return InvalidInput(
        f"invalid DSSE envelope: {field_name}: {reason}",
        errors=[{"field": field_name, "reason": reason}],
    )


def _required(obj: dict[str, Any], name: str, kind: type, where: str) -> Any:
    field_name = name if where == "envelope" else f"{where}.{name}"
    if name not in obj:
        raise _invalid(field_name, "missing")
    value = obj[name]
    if not isinstance(value, kind):
        raise _invalid(field_name, f"must be a {_TYPE_NAMES[kind]}")
    return value


_TYPE_NAMES = {str: "string", list: "list", dict: "object"}


def _b64decode(text: str, field_name: str) -> bytes:
    """Strict base64 in either alphabet; padding may be omitted, mixing alphabets may not."""
    if any(c in text for c in "-_"):
        if any(c in text for c in "+/"):
            raise _invalid(field_name, "mixes the standard and URL-safe base64 alphabets")
        text = text.translate(str.maketrans("-_", "+/"))
    if len(text) % 4 == 1:
        raise _invalid(field_name, "not valid base64")
    text += "=" * (-len(text) % 4)
    try:
        data = b64decode(text)
    except ValueError:
        raise _invalid(field_name, "not valid base64") from None
    # Reject non-canonical trailing bits, so one byte string has one spelling per alphabet.
    if b64encode(data).rstrip("=") != text.rstrip("="):
        raise _invalid(field_name, "not canonical base64")
    return data
