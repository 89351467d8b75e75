"""A live server on a loopback port, an auditor member with a key file, and the audit CLI.

The audit talks HTTP through the member SDK exactly as it would to a remote server; the
test writes to the same database behind the server's back to play the lying operator.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import add_member

from clearinghouse.cli.audit import audit


@dataclass
class Auditor:
    """Runs ``audit`` subcommands as an auditor member against one server."""

    server: str
    member: str
    key_path: Path
    state_path: Path

    def run(self, command: str, *args: str, state: bool = True):
        """The CliRunner result of ``audit COMMAND ARGS --json``."""
        argv = [
            command,
            "--server",
            self.server,
            "--member",
            self.member,
            "--key",
            str(self.key_path),
            "--json",
            *args,
        ]
        if state:
            argv += ["--state", str(self.state_path)]
        return CliRunner().invoke(audit, argv, catch_exceptions=False)

    def verify(self, *args: str, state: bool = True) -> tuple[int, dict]:
        """Exit code and the JSON report of ``audit verify``."""
        result = self.run("verify", *args, state=state)
        return result.exit_code, json.loads(result.stdout)


@pytest.fixture
def auditor(db, client, server, tmp_path) -> Auditor:
    """An auditor member (its member_added entry is the log's first)."""
    member = add_member(db, client, "watchdog", roles="auditor")
    key_path = tmp_path / "watchdog.key"
    key_path.write_bytes(member.key.to_pem())
    key_path.chmod(0o600)
    return Auditor(server, member.id, key_path, tmp_path / "audit-state.json")
