"""The one place errors become RFC 9457 ``application/problem+json``.

Handlers raise from ``clearinghouse.errors``; werkzeug's HTTP errors (404, 405, 413 …)
and anything unexpected are mapped here too, so no client ever sees an HTML error page
or a stack trace.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, json, request
from werkzeug.exceptions import HTTPException

from clearinghouse.errors import ClearinghouseError

__all__ = ["problem_response", "register_problem_handlers"]

log = logging.getLogger("clearinghouse.api")
PROBLEM_BASE = "https://clearinghouse.invalid/problems/"


def problem_response(
    status: int,
    slug: str,
    title: str,
    detail: str,
    errors: list | None = None,
    *,
    limit: str | None = None,
) -> Response:
    """A problem+json response; ``errors`` lists per-item reasons when items are involved,
    ``limit`` names the setting whose bound refused the request."""
    body = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.path if request else None,
    }
    if errors:
        body["errors"] = errors
    if limit:
        body["limit"] = limit
    response = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Signature realm="clearinghouse"'
    return response


def _wants_page() -> bool:
    """Errors on the transparency site's pages are pages; its JSON proof endpoint is not."""
    return (
        request.blueprint in ("site", "site_signin") and request.path != "/site/proof/consistency"
    )


def _from_error(exc: ClearinghouseError) -> Response:
    if exc.status >= 500:
        cause = getattr(exc, "cause", None)
        log.error("%s: %s%s", type(exc).__name__, exc.detail, f" ({cause})" if cause else "")
    if _wants_page():
        from clearinghouse.api.site import render_error

        return render_error(exc.status, exc.title, exc.detail)
    response = problem_response(
        exc.status, exc.slug, exc.title, exc.detail, exc.errors, limit=exc.limit
    )
    response.headers.update(getattr(exc, "headers", {}))  # Retry-After, RateLimit, …
    return response


def _from_http(exc: HTTPException) -> Response:
    status = exc.code or 500
    slug = (exc.name or "error").lower().replace(" ", "-")
    detail = exc.description or exc.name
    if status == 413:
        detail = "the request body is larger than the server accepts"
    if _wants_page():
        from clearinghouse.api.site import render_error

        return render_error(status, exc.name, detail)
    response = problem_response(status, slug, exc.name, detail)
    if status == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def _from_unexpected(exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.path)
    return problem_response(
        500, "internal-error", "Internal error", "an unexpected error occurred; it has been logged"
    )


def register_problem_handlers(app: Flask) -> None:
    """Route every error the app can raise through problem+json."""
    app.register_error_handler(ClearinghouseError, _from_error)
    app.register_error_handler(HTTPException, _from_http)
    app.register_error_handler(Exception, _from_unexpected)
