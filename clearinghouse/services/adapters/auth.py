"""Who is calling: RFC 9421 request verification against the member keys, replay
refusal and role checks (DESIGN §4.1). Failures are one opaque AuthenticationError."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from clearinghouse.crypto import VerifyKey, verify_request
from clearinghouse.crypto.httpsig import RequestSignatureError
from clearinghouse.errors import AuthenticationError
from clearinghouse.services.adapters.caller import Caller

if TYPE_CHECKING:
    from clearinghouse.services.adapters.replay import ReplayCache
    from clearinghouse.store.membership import ActiveKey

__all__ = ["authenticate"]

log = logging.getLogger("clearinghouse.auth")


def authenticate(
    active_key: Callable[[str], ActiveKey | None],
    replay: ReplayCache,
    max_skew: int,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    *,
    now: int | None = None,
) -> Caller:
    """Verify a request's signature, refuse replays; return the calling member."""
    now = int(time.time()) if now is None else now
    found: dict[str, Caller] = {}

    def resolve(key_id: str) -> VerifyKey | None:
        key = active_key(key_id)
        if key is None:
            return None
        found[key_id] = Caller(key.member_id, key.key_id, key.roles)
        return VerifyKey(key.public_key)

    try:
        verified = verify_request(
            method,
            url,
            headers,
            body,
            resolve_key=resolve,
            now=now,
            max_skew=max_skew,
        )
    except RequestSignatureError as exc:
        log.info("refused request signature: %s", exc.reason)
        raise AuthenticationError() from None
    if not replay.first_use(verified.replay_key, verified.valid_until, now):
        log.info("refused replayed signature by key %s", verified.keyid)
        raise AuthenticationError()
    return found[verified.keyid]
