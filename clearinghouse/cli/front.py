"""The HTTP front of ``clearinghouse serve``: the WSGI app behind granian's RSGI interface.

Granian (Rust, hyper) accepts connections and reads request lines and headers with a
deadline, without a Python thread per socket. This bridge then reads the body in the
worker's event loop — with a deadline, and refused by its declared length before a byte is
read when it is too large — and only a request that is complete is handed to the WSGI app,
in a small pool of threads. So a slow or stalled client costs a socket and a little memory,
never a thread that a real request needs (DESIGN §16).

Errors this bridge answers itself are problem+json like every other answer (DESIGN §9).
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from clearinghouse.config import Settings

__all__ = [
    "MAX_TARGET_BYTES",
    "WsgiBridge",
    "problem",
    "run_front",
    "worker_app",
    "wsgi_environ",
]

# The longest request target (path and query) accepted: gunicorn's limit, which the API
# documents, kept when the front changed.
MAX_TARGET_BYTES = 4094
PROBLEM_BASE = "https://clearinghouse.invalid/problems/"
_TITLES = {
    400: "Bad Request",
    408: "Request Timeout",
    413: "Content Too Large",
    414: "URI Too Long",
    500: "Internal Server Error",
}


class _Refused(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


def problem(status: int, detail: str) -> tuple[int, list[tuple[str, str]], bytes]:
    """``(status, headers, body)`` of a problem+json answer made by the front itself."""
    title = _TITLES[status]
    body = json.dumps(
        {
            "type": PROBLEM_BASE + title.lower().replace(" ", "-"),
            "title": title,
            "status": status,
            "detail": detail,
        }
    ).encode()
    return status, [("content-type", "application/problem+json"), ("connection", "close")], body


def wsgi_environ(scope: Any, body: bytes) -> dict:
    """The PEP 3333 environ of one RSGI request whose whole body has been read.

    Header names with an underscore are dropped (as nginx and gunicorn do): ``X_Member``
    would otherwise arrive as the same ``HTTP_X_MEMBER`` as ``X-Member``. Repeated headers
    are joined with commas, as HTTP allows."""
    host, _, port = scope.server.rpartition(":")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope.method,
        "SCRIPT_NAME": "",
        # PEP 3333: the path's bytes decoded as latin-1 (granian hands it decoded as UTF-8).
        "PATH_INFO": scope.path.encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope.query_string,
        "SERVER_NAME": host,
        "SERVER_PORT": port,
        "SERVER_PROTOCOL": f"HTTP/{scope.http_version}",
        "REMOTE_ADDR": scope.client.rpartition(":")[0].strip("[]"),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in scope.headers.items():
        if "_" in name:
            continue
        key = name.upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = "HTTP_" + key
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    # The body is whole: its length is known, whatever framing the client used.
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    if body or "CONTENT_LENGTH" in environ:
        environ["CONTENT_LENGTH"] = str(len(body))
    return environ


def _call_wsgi(app: Callable, environ: dict) -> tuple[int, list[tuple[str, str]], bytes]:
    """Run the WSGI app to completion; its whole answer (answers here are bounded)."""
    started: list = []
    chunks: list[bytes] = []

    def start_response(status: str, headers: list, exc_info: Any = None) -> Callable:
        if exc_info is not None and started:
            raise exc_info[1].with_traceback(exc_info[2])
        started[:] = [status, headers]
        return chunks.append

    result: Iterable[bytes] = app(environ, start_response)
    try:
        chunks.extend(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    status, headers = started
    return int(status.split(" ", 1)[0]), list(headers), b"".join(chunks)


class WsgiBridge:
    """An RSGI app (granian's interface) that serves ``app``, a WSGI app, in ``threads``
    threads once each request's body is read: at most ``max_body_bytes`` bytes, within
    ``body_timeout`` seconds."""

    def __init__(
        self, app: Callable, *, threads: int, max_body_bytes: int, body_timeout: float
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.body_timeout = body_timeout
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="wsgi")

    async def __rsgi__(self, scope: Any, proto: Any) -> None:
        if scope.proto != "http":  # websockets are not served
            return
        try:
            if len(scope.path) + len(scope.query_string) + 1 > MAX_TARGET_BYTES:
                raise _Refused(414, "the request line is too long")
            body = await self._body(scope, proto)
        except _Refused as refused:
            proto.response_bytes(*problem(refused.status, refused.detail))
            return
        environ = wsgi_environ(scope, body)
        loop = asyncio.get_running_loop()
        status, headers, payload = await loop.run_in_executor(
            self._pool, _call_wsgi, self.app, environ
        )
        proto.response_bytes(status, headers, payload)

    def __rsgi_del__(self, _loop: Any) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)

    async def _body(self, scope: Any, proto: Any) -> bytes:
        headers = scope.headers
        declared = headers.get("content-length")
        limit = self.max_body_bytes
        if declared is not None:
            if not declared.isdigit():  # hyper refuses these first; kept for clarity
                raise _Refused(400, "the Content-Length header is not valid")
            if int(declared) > limit:
                raise _Refused(
                    413, f"the request body is {int(declared)} bytes; the limit is {limit} bytes"
                )
            if int(declared) == 0:
                return b""
        elif "transfer-encoding" not in headers:
            return b""
        chunks, size = [], 0
        try:
            async with asyncio.timeout(self.body_timeout):
                async for chunk in proto:
                    size += len(chunk)
                    if size > limit:
                        raise _Refused(413, f"the request body is over the limit of {limit} bytes")
                    chunks.append(chunk)
        except TimeoutError:
            raise _Refused(
                408, f"the request body did not arrive within {self.body_timeout:g} seconds"
            ) from None
        except (RuntimeError, OSError):  # granian's protocol errors: a broken chunk, a reset
            raise _Refused(400, "the request body could not be read") from None
        return b"".join(chunks)


THREADS_ENV = "_CLEARINGHOUSE_FRONT_THREADS"  # to the workers; not a setting of its own


def worker_app() -> WsgiBridge:
    """Granian's factory, called in each worker process once it runs: the app, its own
    index set and log follower, behind the bridge."""
    from clearinghouse.api import create_app
    from clearinghouse.cli.operations import forget_dead_workers, log_requests_as_json
    from clearinghouse.config import load_settings

    settings = load_settings()
    log_requests_as_json()
    forget_dead_workers()
    return WsgiBridge(
        create_app(settings),
        threads=int(os.environ.get(THREADS_ENV, "4")),
        max_body_bytes=settings.max_body_bytes,
        body_timeout=settings.body_timeout,
    )


def run_front(settings: Settings, host: str, port: int, workers: int, threads: int) -> None:
    """Serve until stopped: granian on ``host:port`` with ``workers`` processes."""
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings
    from granian.server import Server

    os.environ[THREADS_ENV] = str(threads)
    Server(
        "clearinghouse.cli.front:worker_app",
        address=host,
        port=port,
        interface=Interfaces.RSGI,
        factory=True,
        workers=workers,
        http=HTTPModes.http1,
        # Headers: read within the deadline, and at most 64 KiB of them per connection.
        http1_settings=HTTP1Settings(
            header_read_timeout=int(settings.header_timeout * 1e3), max_buffer_size=65536
        ),
        websockets=False,
        log_access=False,  # the JSON request log (api.metrics) replaces it: no query strings
        respawn_failed_workers=True,
        workers_kill_timeout=10,
    ).serve()
