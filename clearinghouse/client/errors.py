"""What the SDK raises: the server's problem details as typed errors, and transport failure.

Every error answer of the server is RFC 9457 problem+json (DESIGN §9). ``ProblemError``
carries it whole (``.status``, ``.problem``, ``.errors``) and is also the matching class
of the project's one exception tree, so ``except NotFound`` works the same whether the
server or local code noticed: a 404 raises ``NotFoundProblem``, both a ``ProblemError``
and a ``clearinghouse.errors.NotFound``.
"""

from __future__ import annotations

from typing import Any

from clearinghouse.errors import (
    AuthenticationError,
    ClearinghouseError,
    Conflict,
    Forbidden,
    InvalidInput,
    LimitExceeded,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    VerificationError,
)
from clearinghouse.ijson import read_json

__all__ = [
    "AuthenticationProblem",
    "ConflictProblem",
    "ForbiddenProblem",
    "InvalidInputProblem",
    "LimitExceededProblem",
    "NotFoundProblem",
    "PayloadTooLargeProblem",
    "ProblemError",
    "TransportError",
    "UnavailableProblem",
    "VerificationProblem",
    "problem_error",
]


class ProblemError(ClearinghouseError):
    """An error answer from the server, with its problem details."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        detail = str(problem.get("detail") or problem.get("title") or f"HTTP {status}")
        errors = problem.get("errors")
        super().__init__(detail, errors=errors if isinstance(errors, list) else None)
        self.status = status
        self.problem = problem

    @property
    def type_uri(self) -> str:
        return str(self.problem.get("type", "about:blank"))

    def __str__(self) -> str:
        title = self.problem.get("title") or f"HTTP {self.status}"
        return f"{self.status} {title}: {self.detail}"


class InvalidInputProblem(ProblemError, InvalidInput):
    """400: the request or an item in it is malformed; ``errors`` lists each bad item."""


class VerificationProblem(ProblemError, VerificationError):
    """400 verification-failed: an envelope signature the server could not verify."""


class AuthenticationProblem(ProblemError, AuthenticationError):
    """401: the request signature was refused (the server does not say why)."""


class ForbiddenProblem(ProblemError, Forbidden):
    """403: the member lacks the role the operation needs."""


class NotFoundProblem(ProblemError, NotFound):
    """404: no such signal, key or route."""


class ConflictProblem(ProblemError, Conflict):
    """409: the request contradicts the current state."""


class PayloadTooLargeProblem(ProblemError, PayloadTooLarge):
    """413: the body is over the server's limit; send smaller statements."""


class LimitExceededProblem(ProblemError, LimitExceeded):
    """422: well-formed but beyond a server limit; ``.limit`` names the setting."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        super().__init__(status, problem)
        limit = problem.get("limit")
        self.limit = limit if isinstance(limit, str) else None


class UnavailableProblem(ProblemError, ServiceUnavailable):
    """5xx after every retry."""


class TransportError(ClearinghouseError):
    """The server could not be reached (connection refused, reset or timed out) after retries."""

    slug = "transport"
    title = "Server unreachable"


PROBLEM_DEPTH = 8  # a problem's errors list of objects is 3 levels; more is not ours

_BY_SLUG = {
    VerificationError.slug: VerificationProblem,
}
_BY_STATUS = {
    400: InvalidInputProblem,
    401: AuthenticationProblem,
    403: ForbiddenProblem,
    404: NotFoundProblem,
    409: ConflictProblem,
    413: PayloadTooLargeProblem,
    422: LimitExceededProblem,
}


def problem_error(status: int, body: bytes) -> ProblemError:
    """The typed error for an error answer; a body that is not problem+json is kept as detail."""
    problem = _problem(status, body)
    slug = str(problem.get("type", "")).rsplit("/", 1)[-1]
    if slug in _BY_SLUG:
        cls = _BY_SLUG[slug]
    elif status >= 500:
        cls = UnavailableProblem
    else:
        cls = _BY_STATUS.get(status, ProblemError)
    return cls(status, problem)


def _problem(status: int, body: bytes) -> dict[str, Any]:
    try:
        problem = read_json(body, what="problem", max_depth=PROBLEM_DEPTH)
    except InvalidInput:  # not JSON, or hostile JSON (deep, huge numbers): not a problem
        problem = None
    if isinstance(problem, dict):
        return problem
    # A proxy's HTML page or an empty body: keep a short excerpt so the cause is visible.
    text = body[:300].decode("utf-8", "replace").strip()
    return {"type": "about:blank", "status": status, "title": f"HTTP {status}", "detail": text}
