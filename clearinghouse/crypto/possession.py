"""Key possession proofs (DESIGN §11): a new key signs for itself before it is added.

Adding a key needs two signatures: the request's, by an active key of the member, and
this proof, by the *new* private key, over::

    clearinghouse-key-possession-v1 LF <member> LF <base64 raw public key> LF <created> LF

``created`` is an RFC 3339 UTC time (``2026-01-01T00:00:00Z``) that must be within the
allowed clock skew of the server's, so a proof cannot be kept and replayed later. The
JSON form sent with ``POST /v1/keys`` is ``{"created": "...", "sig": base64}``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from clearinghouse.crypto.keys import SigningKey, VerifyKey
from clearinghouse.errors import InvalidInput, VerificationError
from clearinghouse.wire import b64decode, b64encode

__all__ = ["DOMAIN", "possession_message", "prove_possession", "verify_possession"]

DOMAIN = b"clearinghouse-key-possession-v1"
_CREATED = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_B64 = re.compile(r"[A-Za-z0-9+/]{86}==")


def possession_message(member: str, public_key: VerifyKey, created: str) -> bytes:
    """The bytes a possession proof signs."""
    raw = b64encode(public_key.raw).encode("ascii")
    return b"\n".join([DOMAIN, member.encode(), raw, created.encode(), b""])


def prove_possession(key: SigningKey, member: str, *, now: float | None = None) -> dict[str, str]:
    """The proof ``{"created", "sig"}`` that the holder of ``key`` adds it to ``member``."""
    moment = datetime.now(UTC) if now is None else datetime.fromtimestamp(now, UTC)
    created = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    sig = key.sign(possession_message(member, key.verify_key, created))
    return {"created": created, "sig": b64encode(sig)}


def verify_possession(
    proof: object, member: str, public_key: VerifyKey, *, now: float, max_skew: int
) -> None:
    """Raise InvalidInput (malformed, stale) or VerificationError (wrong signature)."""
    if not isinstance(proof, dict) or set(proof) != {"created", "sig"}:
        raise InvalidInput('proof: expected {"created", "sig"}', errors=[_err("missing")])
    created, sig = proof["created"], proof["sig"]
    if not isinstance(created, str) or not _CREATED.fullmatch(created):
        raise InvalidInput("proof.created: expected YYYY-MM-DDTHH:MM:SSZ")
    try:
        moment = datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise InvalidInput("proof.created: not a valid time") from None
    if abs(moment.timestamp() - now) > max_skew:
        raise InvalidInput(f"proof.created: more than {max_skew} s from the server's clock")
    if not isinstance(sig, str) or not _B64.fullmatch(sig):
        raise InvalidInput("proof.sig: expected the base64 of a 64-byte Ed25519 signature")
    try:
        signature = b64decode(sig)
    except ValueError:
        raise InvalidInput("proof.sig: not base64") from None
    try:
        public_key.verify(signature, possession_message(member, public_key, created))
    except VerificationError:
        raise VerificationError(
            "proof.sig: the proof is not signed by the new key over this member and time"
        ) from None


def _err(reason: str) -> dict[str, str]:
    return {"field": "proof", "reason": reason}
