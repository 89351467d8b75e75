"""A real ``clearinghouse serve`` process for the benchmarks, ready when entered."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import requests


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_server(
    data_dir: Path,
    database_url: str | None = None,
    *,
    workers: int = 2,
    threads: int = 4,
    ready_timeout: float = 600.0,
    env: dict[str, str] | None = None,
) -> Iterator[str]:
    """Start the service on a free port over ``data_dir``; yield its base URL once
    /readyz answers 200 (indexes loaded); stop it afterwards."""
    with server_process(
        data_dir,
        database_url,
        workers=workers,
        threads=threads,
        ready_timeout=ready_timeout,
        env=env,
    ) as (base, _):
        yield base


@contextlib.contextmanager
def server_process(
    data_dir: Path,
    database_url: str | None = None,
    *,
    workers: int = 2,
    threads: int = 4,
    ready_timeout: float = 600.0,
    env: dict[str, str] | None = None,
) -> Iterator[tuple[str, subprocess.Popen]]:
    """``running_server`` that also yields the server's process (to meter its CPU);
    ``env`` adds settings (``CLEARINGHOUSE_*``) to the server's environment."""
    data_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, **(env or {}), CLEARINGHOUSE_DATA_DIR=str(data_dir))
    if database_url:
        env["CLEARINGHOUSE_DATABASE_URL"] = database_url
    port = _free_port()
    command = [sys.executable, "-m", "clearinghouse.cli", "serve", "--port", str(port),
               "--workers", str(workers), "--threads", str(threads)]  # fmt: skip
    # The server's stderr goes to a file: a pipe nobody reads fills up and stalls it.
    with open(data_dir / "server.err", "w+b") as errlog:
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=errlog)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + ready_timeout
            while True:
                if proc.poll() is not None:
                    errlog.seek(0)
                    raise SystemExit(f"server exited: {errlog.read().decode()[-1000:]}")
                try:
                    if requests.get(base + "/readyz", timeout=5).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit("server did not become ready")
                time.sleep(0.2)
            yield base, proc
        finally:
            proc.terminate()
            proc.wait(timeout=30)
