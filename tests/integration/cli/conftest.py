"""The CLI as a member runs it: click commands against a real server over HTTP.

The server is the real app (real database, real index) on a free local port in this
process; the commands run through ``CliRunner`` with the member's environment.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from clearinghouse.cli.main import build_cli
from clearinghouse.crypto import SigningKey
from clearinghouse.services.use_cases import members

LABEL = "behaviour:glorification-of-terrorist-acts"


@dataclass
class Member:
    id: str
    key: SigningKey
    key_path: Path


@pytest.fixture
def server_url(server):
    return server


@pytest.fixture
def register(db, tmp_path):
    def add(member_id: str, roles: str = "submitter,matcher,auditor") -> Member:
        key = SigningKey.generate()
        path = tmp_path / f"{member_id}.key"
        path.write_bytes(key.to_pem())
        path.chmod(0o600)
        members.add_member(db, member_id, member_id.title(), roles, key.verify_key)
        return Member(member_id, key, path)

    return add


@pytest.fixture
def acme(register) -> Member:
    return register("acme")


@pytest.fixture
def globex(register) -> Member:
    return register("globex")


@pytest.fixture
def cli(server_url, acme, tmp_path, monkeypatch):
    """``cli(*args, as_=member, server=url)`` runs one command; no traceback may escape."""
    monkeypatch.chdir(tmp_path)

    def run(
        *args, as_: Member | None = None, server: str | None = None, env=None, input=None
    ) -> Result:
        who = as_ or acme
        environ = {
            "CLEARINGHOUSE_URL": server or server_url,
            "CLEARINGHOUSE_MEMBER": who.id,
            "CLEARINGHOUSE_KEY": str(who.key_path),
            **(env or {}),
        }
        result = CliRunner().invoke(build_cli(), [str(a) for a in args], env=environ, input=input)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise AssertionError(f"traceback from {args}: {result.exception!r}\n{result.output}")
        assert "Traceback" not in result.output
        return result

    return run


def pdq_line(value: str, quality: int = 90, **extra) -> str:
    record = {"path": "x.jpg", "signal_type": "pdq", "value": value, "quality": quality,
              "content_type": "image/jpeg", **extra}  # fmt: skip
    return json.dumps(record)


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]
