"""Gunicorn as a library: each worker builds its own app after the fork.

Two things gunicorn does by itself are changed here, because DESIGN §9 and §11 apply to
every answer and every log line, not only to those Flask makes:

- errors gunicorn answers before the app sees a request (an over-long request line, a
  bad ``Content-Length``, a malformed chunk) are problem+json, not an HTML page, and its
  warning about them does not quote the request line (it may hold a lookup's hash);
- the access log records the path without the query string (``GET /v1/match`` carries
  the hash there) and without the referrer.
"""

from __future__ import annotations

import json

from gunicorn import util
from gunicorn.app.base import BaseApplication
from gunicorn.http import errors as http_errors
from gunicorn.workers.gthread import ThreadWorker

from clearinghouse.config import Settings

__all__ = ["ACCESS_LOG_FORMAT", "GunicornApp", "ProblemThreadWorker", "problem_for"]

# As gunicorn's default, with the path alone (%(U)s) for the request line, and no referrer.
ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"'

PROBLEM_BASE = "https://clearinghouse.invalid/problems/"
_STATUS = (
    (http_errors.LimitRequestLine, 414, "URI Too Long", "the request line is too long"),
    (
        http_errors.LimitRequestHeaders,
        431,
        "Request Header Fields Too Large",
        "the request headers are too large",
    ),
    (
        http_errors.UnsupportedTransferCoding,
        501,
        "Not Implemented",
        "the transfer coding is not supported",
    ),
    (http_errors.ExpectationFailed, 417, "Expectation Failed", "the expectation is not supported"),
    (http_errors.ForbiddenProxyRequest, 403, "Forbidden", "the request is forbidden"),
    (http_errors.ParseException, 400, "Bad Request", "the request is not valid HTTP/1.1"),
)


def problem_for(exc: BaseException) -> tuple[int, str, str]:
    """``(status, title, detail)`` for an error gunicorn met while reading a request."""
    for kind, status, title, detail in _STATUS:
        if isinstance(exc, kind):
            if isinstance(exc, http_errors.InvalidHeader) and "CONTENT-LENGTH" in str(exc):
                detail = "the Content-Length header is not valid"
            return status, title, detail
    return 500, "Internal Server Error", "an unexpected error occurred; it has been logged"


class ProblemThreadWorker(ThreadWorker):
    """gunicorn's threaded worker, answering its own errors as problem+json."""

    def handle_error(self, req, client, addr, exc):
        status, title, detail = problem_for(exc)
        if status == 500:
            self.log.exception("error handling a request")
        else:
            # The class of error only: its text may quote the request line.
            self.log.warning("refused a request: %s (%d)", type(exc).__name__, status)
        slug = title.lower().replace(" ", "-")
        body = json.dumps(
            {"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail}
        ).encode()
        head = (
            f"HTTP/1.1 {status} {title}\r\nConnection: close\r\n"
            f"Content-Type: application/problem+json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        try:
            util.write_nonblock(client, head.encode("latin-1") + body)
        except Exception:
            self.log.debug("failed to send an error answer")


class GunicornApp(BaseApplication):
    def __init__(self, settings: Settings, options: dict) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from clearinghouse.api import create_app
        from clearinghouse.cli.operations import log_requests_as_json

        log_requests_as_json()

        return create_app(self.settings)
