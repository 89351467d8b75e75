"""A local webhook receiver for the tests: records every request and answers as told."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    """Serves on 127.0.0.1; ``answers`` is a list of statuses used up one per request
    (then 204), or ``behave`` a function of the request count returning (status, headers,
    body, delay)."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.answers: list[int] = []
        self.behave: Callable[[int], tuple[int, dict, bytes, float]] | None = None
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                body = self.rfile.read(length)
                with receiver.lock:
                    n = len(receiver.requests)
                    receiver.requests.append(
                        {"path": self.path, "headers": dict(self.headers), "body": body,
                         "at": time.time()}
                    )  # fmt: skip
                    status = receiver.answers.pop(0) if receiver.answers else 204
                headers, payload, delay = {}, b"", 0.0
                if receiver.behave is not None:
                    status, headers, payload, delay = receiver.behave(n)
                receiver.requests[n]["status"] = status
                if delay:
                    time.sleep(delay)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the deliverer stopped reading
                    self.wfile.write(payload)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/hook"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def events(self, accepted_only: bool = True) -> list[dict]:
        """Every change received, batches unpacked, in arrival order (only those the
        receiver accepted with a 2xx, by default)."""
        out = []
        with self.lock:
            got = list(self.requests)
        for request in got:
            if accepted_only and not 200 <= request.get("status", 0) < 300:
                continue
            body = json.loads(request["body"])
            out.extend(body["data"]["events"] if body["type"] == "batch" else [body])
        return out

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
