"""Standard Webhooks signatures (standardwebhooks.com): ``whsec_`` secrets and the
``webhook-id`` / ``webhook-timestamp`` / ``webhook-signature`` headers.

The signed content is ``"{id}.{timestamp}.{body}"``; the signature is HMAC-SHA256 under
the secret's bytes (base64 after the ``whsec_`` prefix), sent as ``v1,<base64>``. Any
Standard Webhooks library verifies what this signs; the tests check with one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from clearinghouse.wire import b64decode, b64encode

__all__ = ["SECRET_PREFIX", "new_secret", "new_webhook_id", "signature", "webhook_headers"]

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # the specification asks for 24 to 64


def new_secret() -> str:
    """A fresh endpoint secret, shown to the member once."""
    return SECRET_PREFIX + b64encode(secrets.token_bytes(SECRET_BYTES))


def new_webhook_id() -> str:
    """A message id, kept across the retries of one delivery."""
    return "msg_" + secrets.token_hex(16)


def _key(secret: str) -> bytes:
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("a webhook secret starts with whsec_")
    return b64decode(secret[len(SECRET_PREFIX) :])


def signature(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256>`` of the signed content."""
    content = f"{webhook_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), content, hashlib.sha256).digest()
    return "v1," + b64encode(digest)


def webhook_headers(secret: str, webhook_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The headers of one delivery attempt (``timestamp`` in Unix seconds)."""
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, webhook_id, timestamp, body),
        "content-type": "application/json",
    }
