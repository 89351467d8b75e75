"""The one exception tree of the project.

Every error a user can cause is one of these. ``api/problems.py`` is the only place that
turns them into RFC 9457 problem+json; the CLI prints ``str(error)`` on one stderr line.
Pure packages (signals, crypto, tlog) raise these too, so the meaning of an error does
not depend on which layer noticed it.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AuthenticationError",
    "ClearinghouseError",
    "ConfigError",
    "Conflict",
    "DamagedState",
    "Forbidden",
    "InvalidInput",
    "LimitExceeded",
    "NotFound",
    "PayloadTooLarge",
    "RateLimited",
    "ServiceUnavailable",
    "UnsafeEndpoint",
    "UnsupportedMediaType",
    "VerificationError",
]


class ClearinghouseError(Exception):
    """Base of every error the project raises on purpose."""

    status: int = 500
    slug: str = "internal-error"
    title: str = "Internal error"

    def __init__(
        self,
        detail: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        limit: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.limit = limit  # the setting whose bound refused the request, when one did

    @property
    def type_uri(self) -> str:
        return f"https://clearinghouse.invalid/problems/{self.slug}"


class InvalidInput(ClearinghouseError):
    """Input that is malformed or breaks a rule; ``errors`` lists each bad item."""

    status = 400
    slug = "invalid-input"
    title = "Invalid input"


class AuthenticationError(ClearinghouseError):
    """Any failed request authentication. Deliberately says nothing about which check failed."""

    status = 401
    slug = "unauthenticated"
    title = "Authentication failed"

    def __init__(self, detail: str = "the request signature could not be verified", **kw: Any):
        super().__init__(detail, **kw)


class Forbidden(ClearinghouseError):
    """An authenticated member without the role the operation needs."""

    status = 403
    slug = "forbidden"
    title = "Forbidden"


class NotFound(ClearinghouseError):
    status = 404
    slug = "not-found"
    title = "Not found"


class Conflict(ClearinghouseError):
    """The request contradicts the current state (e.g. a member that already exists)."""

    status = 409
    slug = "conflict"
    title = "Conflict"


class PayloadTooLarge(ClearinghouseError):
    status = 413
    slug = "payload-too-large"
    title = "Payload too large"


class UnsafeEndpoint(ClearinghouseError):
    """A webhook endpoint the delivery rules refuse: plain http, or an address in a
    private, loopback, link-local or metadata network that configuration does not allow."""

    status = 422
    slug = "unsafe-endpoint"
    title = "Endpoint refused"


class UnsupportedMediaType(ClearinghouseError):
    """A request body in a media type the endpoint does not read (not ``application/json``)."""

    status = 415
    slug = "unsupported-media-type"
    title = "Unsupported media type"


class LimitExceeded(ClearinghouseError):
    """Well-formed input beyond a configured bound (a statement's clock skew, a lookup's
    work budget); ``limit`` names the setting, which the problem carries as ``limit``."""

    status = 422
    slug = "limit-exceeded"
    title = "Limit exceeded"


class RateLimited(ClearinghouseError):
    """A member over its quota for a class of endpoints; ``headers`` says when to retry."""

    status = 429
    slug = "rate-limited"
    title = "Too many requests"

    def __init__(
        self, detail: str, *, retry_after: int, headers: dict[str, str], **kw: Any
    ) -> None:
        super().__init__(detail, **kw)
        self.headers = {"Retry-After": str(retry_after), **headers}


class ServiceUnavailable(ClearinghouseError):
    """A dependency (database, Redis) that cannot be reached. ``detail`` stays generic, as
    callers see it; ``cause`` (driver text, which may name hosts) is for the operator's
    log and CLI only."""

    status = 503
    slug = "unavailable"
    title = "Service unavailable"

    def __init__(self, detail: str, *, cause: str | None = None, **kw: Any) -> None:
        super().__init__(detail, **kw)
        self.cause = cause


class DamagedState(ClearinghouseError):
    """A state row that no longer reads as what the log put there (edited or lost behind
    the service's back). Only the requests that need that row get this 503; the operator
    finds every such row with ``db check`` and repairs them from the log."""

    status = 503
    slug = "damaged-state"
    title = "Damaged state"

    def __init__(self, signal_id: int, reason: str) -> None:
        super().__init__(
            f"signal {signal_id} cannot be read from the state; the operator repairs it "
            "from the log (clearinghouse db check, then db repair)"
        )
        self.signal_id = signal_id
        self.cause = f"signal {signal_id}: {reason}"


class VerificationError(ClearinghouseError):
    """A signature, proof or checkpoint that does not verify (raised by crypto and tlog)."""

    status = 400
    slug = "verification-failed"
    title = "Verification failed"


class ConfigError(ClearinghouseError):
    """A setting with a bad value; stops start-up with a message naming the key."""

    slug = "configuration"
    title = "Configuration error"
