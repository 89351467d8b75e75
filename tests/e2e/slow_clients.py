"""Slow-header clients (a bounded slow-loris) and a latency probe, for loopback servers.

Each slow client opens a connection and sends a request's headers one byte at a time,
never finishing them, for a bounded time; a front that holds a thread per waiting socket
stops answering once they outnumber its threads. Used by the e2e test of the front and by
``benchmarks/front.py``. Only loopback addresses are accepted.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

__all__ = ["SlowHeaders", "probe_latencies"]

# Headers that never end: a real client would send "\r\n\r\n" after them.
_HEADERS = (
    b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow\r\n" + b"X-Slow: a" * 10_000
)
# Or whole headers at once, then a body that never ends.
_BODY_HEAD = (
    b"POST /v1/match HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    b"Content-Length: 1000000\r\n\r\n"
)
_BODY = b'{"queries": [' + b" " * 999_000


def _loopback(base: str) -> tuple[str, int]:
    parts = urlsplit(base)
    host = parts.hostname or ""
    if not ipaddress.ip_address(socket.gethostbyname(host)).is_loopback:
        raise ValueError(f"slow clients are for loopback servers only, not {host}")
    return host, parts.port or 80


@dataclass
class SlowHeaders:
    """``count`` connections to ``base`` that drip header bytes (or, with ``body``, body
    bytes after whole headers) every ``interval`` seconds until ``stop()`` or ``seconds``
    have passed, reopening a connection the server closes (so the pressure stays at
    ``count``). Runs in one background thread."""

    base: str
    body: bool = False
    count: int = 64
    interval: float = 0.2
    seconds: float = 60.0
    opened: int = 0
    closed_by_server: int = 0
    _socks: list = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __post_init__(self) -> None:
        self._address = _loopback(self.base)

    def _open(self) -> list:
        sock = socket.create_connection(self._address, timeout=5)
        if self.body:
            sock.sendall(_BODY_HEAD)
        sock.setblocking(False)
        self.opened += 1
        return [sock, 0]

    def start(self) -> SlowHeaders:
        self._socks = [self._open() for _ in range(self.count)]
        self._thread = threading.Thread(target=self._run, name="slow-headers", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        deadline = time.monotonic() + self.seconds
        drip = _BODY if self.body else _HEADERS
        while not self._stop.wait(self.interval) and time.monotonic() < deadline:
            for slot in self._socks:
                sock, sent = slot
                try:
                    sock.send(drip[sent % len(drip) : sent % len(drip) + 1])
                    slot[1] = sent + 1
                except BlockingIOError:
                    continue
                except OSError:  # the server gave up on it: open another in its place
                    sock.close()
                    self.closed_by_server += 1
                    try:
                        slot[:] = self._open()
                    except OSError:
                        slot[1] = sent
        for sock, _ in self._socks:
            sock.close()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> SlowHeaders:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def probe_latencies(
    base: str,
    count: int,
    *,
    path: str = "/healthz",
    headers: Callable[[], dict] | None = None,
    timeout: float = 5.0,
    pause: float = 0.05,
) -> tuple[list[float], list[int]]:
    """``count`` sequential GETs of ``path``, each on a new connection; their latencies in
    seconds (a timeout counts as ``timeout``) and their statuses (0 for no answer)."""
    host, port = _loopback(base)
    latencies, statuses = [], []
    for _ in range(count):
        start = time.perf_counter()
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            connection.request("GET", path, headers=headers() if headers else {})
            response = connection.getresponse()
            response.read()
            statuses.append(response.status)
        except OSError:
            statuses.append(0)
        finally:
            connection.close()
        latencies.append(min(time.perf_counter() - start, timeout))
        time.sleep(pause)
    return latencies, statuses
