"""RFC 9530 ``Content-Digest``: the hash of a request body that a signature can cover.

The field is a Structured Field Dictionary (RFC 8941) of algorithm → byte sequence, for
example ``sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:``. Only ``sha-256``
and ``sha-512`` are supported (the RFC's "standard" algorithms); the deprecated ones are
treated as unknown. Verification requires at least one supported digest and that every
supported digest present matches: a sender cannot hide a wrong digest next to a right one,
and a header of unknown algorithms alone proves nothing.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any

from http_sfv import Dictionary, Item

from clearinghouse.errors import InvalidInput, VerificationError

__all__ = [
    "DIGEST_ALGORITHMS",
    "content_digest",
    "parse_content_digest",
    "verify_content_digest",
]

DIGEST_ALGORITHMS: dict[str, Callable[[bytes], Any]] = {
    "sha-256": hashlib.sha256,
    "sha-512": hashlib.sha512,
}


def content_digest(body: bytes, algorithm: str = "sha-256") -> str:
    """The ``Content-Digest`` field value for ``body``."""
    if algorithm not in DIGEST_ALGORITHMS:
        raise ValueError(f"unsupported Content-Digest algorithm {algorithm!r}")
    field = Dictionary()
    field[algorithm] = DIGEST_ALGORITHMS[algorithm](body).digest()
    return str(field)


def parse_content_digest(value: str) -> dict[str, bytes]:
    """The supported digests in a field value, by algorithm; unknown algorithms are dropped.

    Raises InvalidInput if the value is not a Dictionary, or if a supported algorithm's
    member is not a byte sequence of that algorithm's length.
    """
    field = Dictionary()
    try:
        field.parse(value.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise InvalidInput("Content-Digest is not a structured-field dictionary") from None
    digests = {}
    for algorithm, member in field.items():
        if algorithm not in DIGEST_ALGORITHMS:
            continue  # RFC 9530 §2: recipients ignore algorithms they do not know
        size = DIGEST_ALGORITHMS[algorithm](b"").digest_size
        if not (isinstance(member, Item) and isinstance(member.value, bytes)):
            raise InvalidInput(f"Content-Digest {algorithm} is not a byte sequence")
        if len(member.value) != size:
            raise InvalidInput(f"Content-Digest {algorithm} is not {size} bytes")
        digests[algorithm] = member.value
    return digests


def verify_content_digest(value: str, body: bytes) -> None:
    """Raise VerificationError unless ``value`` is a true Content-Digest of ``body``."""
    try:
        digests = parse_content_digest(value)
    except InvalidInput as exc:
        raise VerificationError(exc.detail) from None
    if not digests:
        raise VerificationError("Content-Digest has no supported algorithm")
    for algorithm, expected in digests.items():
        actual = DIGEST_ALGORITHMS[algorithm](body).digest()
        if not hmac.compare_digest(expected, actual):
            raise VerificationError(f"Content-Digest {algorithm} does not match the body")
