"""A reader's checkout and terminal, with the server of ``make run`` running: the setting
the README describes, used by the docs test and ``make walkthrough``."""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
from doc_blocks import ROOT, Block

BLOCK_TIMEOUT = 300


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SERVER_PAGE_BYTES = 4096  # the least max_list_bytes allows
SEED_MEMBER = "seed-archive"  # members of the docs' server that no page names
SEED_MEMBERS = 30


def _base_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLEARINGHOUSE_", "TX_"))}
    venv_bin = Path(sys.executable).parent
    env.update(
        HOME=str(home),
        PATH=f"{venv_bin}{os.pathsep}{env.get('PATH', '')}",
        PYTHONPATH=str(ROOT),  # this checkout's code, as an editable install gives
        PYTHONDONTWRITEBYTECODE="1",
        NO_COLOR="1",
    )
    return env


class Reader:
    """A reader's checkout and terminal, with the server of ``make run`` running."""

    def __init__(self, home: Path, database_url: str | None = None) -> None:
        self.home = home
        self.port = _free_port()
        self.env = _base_env(home)
        if database_url is not None:
            self.env["CLEARINGHOUSE_DATABASE_URL"] = database_url
        (home / ".venv").symlink_to(Path(sys.executable).parent.parent)
        self.state = home.parent / f"{home.name}.shell-state"
        self.state.write_text(f"cd {shlex.quote(str(home))}\n")
        self.server: subprocess.Popen | None = None

    def start_server(self, *, seeded: bool = False) -> None:
        """``make run``'s server; ``seeded``: on a log that already holds several pages
        (see ``seed_pages``)."""
        run = [sys.executable, "-m", "clearinghouse.cli"]
        subprocess.run([*run, "db", "upgrade"], cwd=self.home, env=self.env, check=True,
                       capture_output=True, timeout=120)  # fmt: skip
        if seeded:
            self.seed_pages()
        self.server = subprocess.Popen(
            [*run, "serve", "--port", str(self.port), "--workers", "1"],
            cwd=self.home,
            # The smallest page budget: every list the docs read comes in several pages,
            # so a snippet that ignores `next` fails here rather than for a reader.
            env={**self.env, "CLEARINGHOUSE_MAX_LIST_BYTES": str(SERVER_PAGE_BYTES)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        url = f"http://127.0.0.1:{self.port}/readyz"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise RuntimeError(f"server exited: {self.server.stderr.read().decode()[-2000:]}")
            try:
                if requests.get(url, timeout=5).status_code == 200:
                    return
            except requests.RequestException:  # not listening yet, or slow to answer
                pass
            time.sleep(0.3)
        raise RuntimeError("the docs' server did not become ready")

    def seed_pages(self) -> None:
        """Members registered before the reader's own, so that the log's entries come in
        several pages of the server's smallest budget: a snippet that reads only the
        first page then misses entries and fails. (Members only: the docs name signals by
        the ids their own submissions get, 1 on.)"""
        from clearinghouse.bootstrap import bootstrap
        from clearinghouse.config import load_settings
        from clearinghouse.crypto import SigningKey
        from clearinghouse.services.read_models import transparency
        from clearinghouse.services.use_cases import members

        settings = load_settings(
            environ={}, data_dir=self.home / "var",
            database_url=self.env.get("CLEARINGHOUSE_DATABASE_URL"),
        )  # fmt: skip
        root = bootstrap(settings)
        try:
            for i in range(SEED_MEMBERS):
                key = SigningKey.generate().verify_key
                members.add_member(root.db, f"{SEED_MEMBER}-{i}", "Seed", "submitter", key)
            # The seed's own check that it does what it is for.
            page = transparency.entries(root.db, 0, SEED_MEMBERS, SERVER_PAGE_BYTES)
            assert page["next"] is not None, "the seeded log fits on one page"
        finally:
            root.close()

    def stop(self) -> None:
        if self.server is not None:
            self.server.terminate()
            try:
                self.server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
            self.server.stderr.close()

    def code_of(self, block: Block) -> str:
        return block.code.replace("127.0.0.1:8080", f"127.0.0.1:{self.port}")

    def run(self, block: Block, *, merged: bool = False) -> subprocess.CompletedProcess:
        """Run one block; with ``merged``, stderr is interleaved into stdout in order."""
        state = shlex.quote(str(self.state))
        if block.lang == "python":
            script = self.home.parent / f"{self.home.name}-block-{block.line}.py"
            script.write_text(self.code_of(block))
            body = f"python {shlex.quote(str(script))}"
        else:
            body = self.code_of(block)
        wrapped = (
            f"source {state}\nset -e\n{body}\n"
            "set +e\n"
            f'{{ export -p; printf "cd %q\\n" "$PWD"; }} > {state}\n'
        )
        return subprocess.run(
            ["bash", "-c", wrapped],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if merged else subprocess.PIPE,
            text=True,
            timeout=BLOCK_TIMEOUT,
        )
