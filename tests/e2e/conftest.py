"""Real server processes (``clearinghouse serve``, granian in front) over the test database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest
import requests


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def start_server(settings):
    """``start_server()`` → base URL of a new server process on the test database."""
    procs: list[subprocess.Popen] = []

    def start(workers: int = 1, **extra_env: str) -> str:
        port = _free_port()
        env = dict(
            os.environ,
            CLEARINGHOUSE_DATA_DIR=str(settings.data_dir),
            CLEARINGHOUSE_DATABASE_URL=settings.effective_database_url,
            CLEARINGHOUSE_INDEX_POLL_INTERVAL="0.2",
            **extra_env,
        )
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "clearinghouse.cli",
                "serve",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        procs.append(proc)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {proc.stderr.read().decode()[-2000:]}")
            try:
                if requests.get(url + "/readyz", timeout=1).status_code == 200:
                    return url
            except requests.RequestException:  # not listening yet, or busy starting
                pass
            time.sleep(0.2)
        raise RuntimeError("server did not become ready within 60 s")

    yield start
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stderr.close()
