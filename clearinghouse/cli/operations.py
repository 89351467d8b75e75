"""What ``serve`` sets up for operations: the metrics directory shared by the worker
processes, the separate metrics listener, and the JSON request log on stderr."""

from __future__ import annotations

import logging
import os
import shutil
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

from clearinghouse.config import Settings
from clearinghouse.errors import ConfigError

__all__ = [
    "forget_dead_workers",
    "log_requests_as_json",
    "metrics_listener",
    "prepare_metrics_dir",
]


def prepare_metrics_dir(settings: Settings) -> Path:
    """An empty PROMETHEUS_MULTIPROC_DIR (the operator's, or DATA_DIR/metrics), set in the
    environment before any worker forks: counts of an earlier run must not leak in."""
    path = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or settings.data_dir / "metrics")
    try:
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(mode=0o700, parents=True)
    except OSError as exc:
        raise ConfigError(f"PROMETHEUS_MULTIPROC_DIR: cannot prepare {path}: {exc}") from None
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
    return path


def _listen_address(settings: Settings) -> tuple[str, int] | None:
    if settings.metrics_listen is None:
        return None
    host, sep, port = settings.metrics_listen.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(
            "CLEARINGHOUSE_METRICS_LISTEN must be host:port, e.g. 127.0.0.1:9464, "
            f"got {settings.metrics_listen!r}"
        )
    return host, int(port)


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args) -> None:  # scrapes are not request-logged
        pass


def _start_listener(settings: Settings, address: tuple[str, int]) -> None:
    from clearinghouse.api.metrics import exposition
    from clearinghouse.store.db import Database

    db = Database(settings.effective_database_url)

    def app(environ, start_response):
        if environ.get("PATH_INFO") != "/metrics":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found\n"]
        body = exposition(db)
        start_response("200 OK", [("Content-Type", "text/plain; version=0.0.4")])
        return [body]

    server = make_server(address[0], address[1], app, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()


def metrics_listener(settings: Settings) -> Callable[[], None] | None:
    """What starts the separate metrics listener in the serving parent process, or None
    when none is configured; a bad address is refused here, before any worker starts."""
    address = _listen_address(settings)
    if address is None:
        return None
    return lambda: _start_listener(settings, address)


def forget_dead_workers() -> None:
    """Remove the live gauges of worker processes that are gone (a worker replaced after a
    crash), as gunicorn's ``child_exit`` hook did: a starting worker calls this."""
    from prometheus_client import multiprocess

    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return
    for path in Path(directory).glob("gauge_live*_*.db"):
        pid = path.stem.rpartition("_")[2]
        if pid.isdigit() and not _alive(int(pid)):
            multiprocess.mark_process_dead(int(pid), directory)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def log_requests_as_json() -> None:
    """The JSON request lines of api.metrics to stderr, one per request."""
    log = logging.getLogger("clearinghouse.access")
    if log.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
