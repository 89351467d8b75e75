"""A fake hostile server on a real socket: it floods, nests, babbles or drips.

Each mode answers every request the same way, on every connection, until ``stop``. The
drips stop when the server does, so no test leaves a thread behind.
"""

from __future__ import annotations

import contextlib
import random
import socket
import threading

__all__ = ["MODES", "HostileServer"]

_JSON = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"


def _flood_declared(conn, stop):
    conn.sendall(_JSON + b"Content-Length: 1500000000\r\n\r\n")
    _flood(conn, stop)


def _flood_undeclared(conn, stop):
    conn.sendall(_JSON + b"Connection: close\r\n\r\n")
    _flood(conn, stop)


def _flood(conn, stop):
    chunk = b'{"labels": [' + b'"x", ' * 20_000
    while not stop.is_set():
        conn.sendall(chunk)


def _deep(conn, stop):
    body = b"[" * 300_000 + b"]" * 300_000
    conn.sendall(_JSON + b"Content-Length: %d\r\n\r\n" % len(body) + body)


def _deep_object(conn, stop):
    body = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
    conn.sendall(_JSON + b"Content-Length: %d\r\n\r\n" % len(body) + body)


def _deep_problem(conn, stop):
    body = b'{"detail": ' + b"[" * 300_000 + b"]" * 300_000 + b"}"
    head = b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/problem+json\r\n"
    conn.sendall(head + b"Content-Length: %d\r\n\r\n" % len(body) + body)


def _garbage_body(conn, stop):
    body = random.Random(7).randbytes(4096)
    conn.sendall(_JSON + b"Content-Length: %d\r\n\r\n" % len(body) + body)


def _garbage_status(conn, stop):
    conn.sendall(random.Random(8).randbytes(2048) + b"\r\n\r\n")


def _huge_numbers(conn, stop):
    body = b'{"labels": [' + b"9" * 100_000 + b"]}"
    conn.sendall(_JSON + b"Content-Length: %d\r\n\r\n" % len(body) + body)


def _drip_headers(conn, stop):
    for byte in _JSON + b"X-Slow: " + b"a" * 100_000:
        if stop.wait(0.2):
            return
        conn.sendall(bytes([byte]))


def _drip_body(conn, stop):
    conn.sendall(_JSON + b"Content-Length: 100000\r\n\r\n")
    while not stop.wait(0.2):
        conn.sendall(b" ")


def _silent(conn, stop):
    stop.wait(600)


MODES = {
    "flood with Content-Length 1.5 GB": _flood_declared,
    "flood without Content-Length": _flood_undeclared,
    "300,000 nested arrays": _deep,
    "100,000 nested objects": _deep_object,
    "deeply nested problem": _deep_problem,
    "random bytes as body": _garbage_body,
    "random bytes as status line": _garbage_status,
    "a 100,000-digit number": _huge_numbers,
    "headers dripped a byte at a time": _drip_headers,
    "body dripped a byte at a time": _drip_body,
    "accepts, never answers": _silent,
}


class HostileServer:
    """Listens on 127.0.0.1; every connection gets ``MODES[mode]`` after its request."""

    def __init__(self, mode: str) -> None:
        self.handler = MODES[mode]
        self.stop = threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.connections = 0
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> HostileServer:
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        for thread in self._threads:
            thread.join(timeout=5)

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            conn.settimeout(5)
            request = b""
            while b"\r\n\r\n" not in request:
                data = conn.recv(65536)
                if not data:
                    return
                request += data
            self.handler(conn, self.stop)
