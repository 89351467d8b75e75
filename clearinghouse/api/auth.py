"""Request authentication for /v1 views: ``@signed("submitter")`` and friends."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import g, request

from clearinghouse.api.context import service_context
from clearinghouse.crypto.sigbase import wsgi_target_uri
from clearinghouse.services.auth import Caller, authenticate

__all__ = ["caller", "signed"]


def signed(role: str | None) -> Callable:
    """Require a valid RFC 9421 signature by an active member holding ``role`` (any
    member when None)."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            body = request.get_data(cache=True) or None
            who = authenticate(
                service_context(),
                request.method,
                wsgi_target_uri(request.environ),
                request.headers,
                body,
            )
            if role is not None:
                who.require(role)
            g.caller = who
            return view(*args, **kwargs)

        return wrapper

    return decorate


def caller() -> Caller:
    """The member the current request was authenticated as."""
    return g.caller
