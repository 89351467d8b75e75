"""Request authentication for /v1 views: ``@signed("submitter")`` and friends."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import current_app, g, request

from clearinghouse.api.params import check_content_type, check_parameters
from clearinghouse.api.root import current_root
from clearinghouse.crypto.sigbase import wsgi_target_uri
from clearinghouse.services.adapters.auth import authenticate
from clearinghouse.services.adapters.caller import Caller
from clearinghouse.services.adapters.rate_limits import endpoint_class

__all__ = ["caller", "charge", "signed"]


def signed(role: str | tuple[str, ...] | None) -> Callable:
    """Require a valid RFC 9421 signature by an active member holding ``role`` (one of
    them, for a tuple; any member when None)."""
    roles = (role,) if isinstance(role, str) else role

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            body = request.get_data(cache=True) or None
            root = current_root()
            who = authenticate(
                root.directory.active_key,
                root.replay,
                root.settings.signature_max_skew,
                request.method,
                wsgi_target_uri(request.environ),
                request.headers,
                body,
            )
            # Counted once the member is known, before the role check: refused requests
            # cost a member its quota too.
            limiter = current_app.extensions["clearinghouse.rate_limiter"]
            g.rate_limit = limiter.hit(endpoint_class(request.method, request.path), who.member)
            if roles is not None:
                who.require(*roles)
            # After authentication: strangers learn nothing but 401.
            check_parameters()
            check_content_type()
            g.caller = who
            return view(*args, **kwargs)

        wrapper.signed = True  # type: ignore[attr-defined]  # check_query leaves it to us
        return wrapper

    return decorate


def caller() -> Caller:
    """The member the current request was authenticated as."""
    return g.caller


def charge(units: int) -> None:
    """Count ``units`` more of the current request's class against the caller's quota
    (a batch of n lookups costs n, the request itself counted one); 429 when over."""
    if units <= 0:
        return
    limiter = current_app.extensions["clearinghouse.rate_limiter"]
    name = endpoint_class(request.method, request.path)
    g.rate_limit = limiter.hit(name, g.caller.member, units)
