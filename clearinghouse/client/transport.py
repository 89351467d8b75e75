"""Reading a server's answer without trusting the server: a byte ceiling and deadlines.

A member's pipeline, CLI or auditor may be pointed at a hostile or broken server, which
can answer gigabytes, drip one byte a second, or never finish its headers. ``requests``
bounds none of that: its timeout is per socket read, so a drip resets it forever. Here
every attempt runs under a watchdog: when the attempt's total deadline passes, the
watchdog shuts the socket down, which ends any read blocked on it (headers or body),
and the attempt fails as ``TransportError``. The body is read in chunks up to a ceiling,
so memory stays bounded whatever the server sends.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from clearinghouse.errors import InvalidInput

__all__ = [
    "DEADLINE_VARIABLE",
    "DEFAULT_DEADLINE",
    "DEFAULT_MAX_ANSWER_BYTES",
    "MAX_ANSWER_VARIABLE",
    "AnswerTooLarge",
    "Watchdog",
    "WatchedAdapter",
    "limits_from_env",
    "read_body",
]

DEFAULT_MAX_ANSWER_BYTES = 64 * 1024 * 1024  # 16 × the server's default list budget
DEFAULT_DEADLINE = 120.0  # seconds for one attempt: connect, headers and the whole body
_CHUNK = 64 * 1024
DEADLINE_VARIABLE = "CLEARINGHOUSE_CLIENT_DEADLINE"
MAX_ANSWER_VARIABLE = "CLEARINGHOUSE_CLIENT_MAX_ANSWER_BYTES"


def limits_from_env(environ: Mapping[str, str] | None = None) -> tuple[float, int]:
    """``(deadline, max_answer_bytes)``: the defaults, or the member's environment."""
    environ = os.environ if environ is None else environ
    deadline, ceiling = DEFAULT_DEADLINE, DEFAULT_MAX_ANSWER_BYTES
    raw = environ.get(DEADLINE_VARIABLE)
    if raw:
        try:
            deadline = float(raw)
        except ValueError:
            deadline = -1.0
        if not 0 < deadline < 86_400:
            raise InvalidInput(f"{DEADLINE_VARIABLE} must be seconds in (0, 86400), got {raw!r}")
    raw = environ.get(MAX_ANSWER_VARIABLE)
    if raw:
        if not raw.isdigit() or int(raw) < 1:
            raise InvalidInput(f"{MAX_ANSWER_VARIABLE} must be an integer >= 1, got {raw!r}")
        ceiling = int(raw)
    return deadline, ceiling


_current = threading.local()


class Watchdog:
    """Cuts the connections of one attempt when its deadline passes (``expired`` says)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._connections: list[Any] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Watchdog:
        _current.watchdog = self
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        _current.watchdog = None

    def attach(self, connection: Any) -> None:
        with self._lock:
            self._connections.append(connection)
            late = self.expired
        if late:
            _cut(connection)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            connections = list(self._connections)
        for connection in connections:
            _cut(connection)


def _cut(connection: Any) -> None:
    sock = getattr(connection, "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):  # already closed
            sock.shutdown(socket.SHUT_RDWR)  # wakes a blocked recv with end-of-file


class _Watched:
    """Pool mixin: each connection handed out is attached to the current watchdog."""

    def _get_conn(self, timeout: float | None = None):
        connection = super()._get_conn(timeout)  # type: ignore[misc]
        watchdog = getattr(_current, "watchdog", None)
        if watchdog is not None:
            watchdog.attach(connection)
        return connection


class _WatchedPool(_Watched, HTTPConnectionPool):
    pass


class _WatchedTLSPool(_Watched, HTTPSConnectionPool):
    pass


class WatchedAdapter(HTTPAdapter):
    """An HTTPAdapter whose connections the current attempt's ``Watchdog`` can cut."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _WatchedPool,
            "https": _WatchedTLSPool,
        }


class AnswerTooLarge(Exception):
    """The answer is over the client's byte ceiling (``size`` as declared, when it was)."""

    def __init__(self, size: int | None) -> None:
        super().__init__(size)
        self.size = size


def read_body(response: requests.Response, ceiling: int) -> bytes:
    """The whole body of a streamed ``response``, refusing more than ``ceiling`` bytes.

    Raises ``AnswerTooLarge``, or what ``requests`` raises for a broken stream."""
    if response.raw is None:  # made in memory (a test's transport): nothing to stream
        response._content_consumed = True
        body = response.content or b""
        if len(body) > ceiling:
            raise AnswerTooLarge(len(body))
        return body
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > ceiling:
        response.close()
        raise AnswerTooLarge(int(declared))
    chunks, total = [], 0
    for chunk in response.iter_content(_CHUNK):
        total += len(chunk)
        if total > ceiling:
            response.close()
            raise AnswerTooLarge(None)
        chunks.append(chunk)
    body = b"".join(chunks)
    response._content = body  # so .content, .text and .json() read what was read here
    response._content_consumed = True
    return body
