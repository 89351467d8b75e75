"""``clearinghouse serve`` as a real process in its own process group, so that a test can
kill the whole server (master and workers) with SIGKILL and start it again."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time

import requests

SERVE = [sys.executable, "-m", "clearinghouse.cli", "serve"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """One server on ``port`` over the test database; ``env`` adds settings."""

    def __init__(self, settings, port: int | None = None, workers: int = 2, **env: str) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.env = {
            **os.environ,
            "CLEARINGHOUSE_DATA_DIR": str(settings.data_dir),
            "CLEARINGHOUSE_DATABASE_URL": settings.effective_database_url,
            "CLEARINGHOUSE_INDEX_POLL_INTERVAL": "0.2",
            **env,
        }
        self.proc: subprocess.Popen | None = None
        self.up = threading.Event()

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [*SERVE, "--port", str(self.port), "--workers", str(self.workers)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/readyz", timeout=2).status_code == 200:
                    self.up.set()
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError("the server did not become ready")

    def kill(self) -> None:
        """SIGKILL to the whole process group: nothing gets to clean up."""
        self.up.clear()
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.kill()
