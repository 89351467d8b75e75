"""Operator commands: unsuspend and role changes are log entries an auditor accepts, and a
database that is not there is named, not created."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

from click.testing import CliRunner

from clearinghouse.cli.main import build_cli
from clearinghouse.store.log import log_size, read_entries

from .conftest import LABEL


def _operator(settings, *args, cwd_env=None):
    env = {
        "CLEARINGHOUSE_DATA_DIR": str(settings.data_dir),
        "CLEARINGHOUSE_DATABASE_URL": settings.effective_database_url,
        **(cwd_env or {}),
    }
    return CliRunner().invoke(build_cli(), [str(a) for a in args], env=env)


def _entries(db) -> list[dict]:
    with db.read() as session:
        return [json.loads(d) for _, d in read_entries(session, 0, log_size(session))]


def test_unsuspend_and_roles_are_logged_and_audited(cli, settings, db, follower, acme, tmp_path):
    md5 = tmp_path / "h.txt"
    md5.write_text("md5 " + "ab" * 16 + "\n")
    assert _operator(settings, "members", "suspend", "acme").exit_code == 0
    # The operator is another process: the server's log follower picks each membership
    # change up at its next poll (within 1 s); poll now rather than wait.
    follower.poll()
    refused = cli("labels")
    assert refused.exit_code == 1 and "suspended" in refused.stderr  # in the local hint
    again = _operator(settings, "members", "unsuspend", "acme", "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout) == {"member": "acme", "status": "active"}
    follower.poll()
    assert cli("labels").exit_code == 0
    twice = _operator(settings, "members", "unsuspend", "acme")
    assert twice.exit_code == 1 and "is not suspended" in twice.stderr

    roles = _operator(settings, "members", "roles", "acme", "--roles", "matcher,auditor")
    assert roles.exit_code == 0, roles.output
    assert roles.stdout == "acme: roles auditor,matcher,submitter -> auditor,matcher\n"
    follower.poll()
    no_submit = cli("submit", md5, "--label", LABEL, "--content-type", "image/png")
    assert no_submit.exit_code == 1 and "submitter" in no_submit.stderr
    bad = _operator(settings, "members", "roles", "acme", "--roles", "admin")
    assert bad.exit_code == 1 and "roles:" in bad.stderr
    back = _operator(settings, "members", "roles", "acme", "--roles", "submitter,matcher,auditor")
    assert back.exit_code == 0
    follower.poll()
    assert cli("submit", md5, "--label", LABEL, "--content-type", "image/png").exit_code == 0

    kinds = [e["type"] for e in _entries(db)]
    assert kinds.count("member_unsuspended") == 1 and kinds.count("member_roles_changed") == 2
    changed = next(e for e in _entries(db) if e["type"] == "member_roles_changed")
    assert changed["roles"] == ["auditor", "matcher"]
    assert changed["previous"] == ["auditor", "matcher", "submitter"]

    audit = cli("audit", "verify", "--state", tmp_path / "audit.json")
    assert audit.exit_code == 0, audit.output


def test_a_missing_database_is_named_and_not_created(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(build_cli(), ["members", "list"], env={
        "CLEARINGHOUSE_DATA_DIR": None, "CLEARINGHOUSE_DATABASE_URL": None})  # fmt: skip
    assert result.exit_code == 1
    assert f"no database at {tmp_path / 'var' / 'clearinghouse.db'}" in result.stderr
    assert "clearinghouse db upgrade" in result.stderr
    assert not (tmp_path / "var").exists()
    empty = tmp_path / "empty.db"
    empty.touch()
    unmigrated = CliRunner().invoke(build_cli(), ["members", "list"], env={
        "CLEARINGHOUSE_DATABASE_URL": f"sqlite:///{empty}"})  # fmt: skip
    assert unmigrated.exit_code == 1 and "has no clearinghouse schema" in unmigrated.stderr


def _serve(env_extra: dict, *args: str, cwd) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLEARINGHOUSE_")}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "-m", "clearinghouse.cli", "serve", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_serve_refuses_before_saying_it_listens(settings, tmp_path):
    env = {"CLEARINGHOUSE_DATA_DIR": str(settings.data_dir),
           "CLEARINGHOUSE_DATABASE_URL": settings.effective_database_url}  # fmt: skip
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        taken = _serve(env, "--port", port, cwd=tmp_path)
    assert taken.returncode == 1
    assert taken.stderr == (
        f"error: port {port} on 127.0.0.1 is already in use: stop the other server, or "
        "choose another port (--port N, or PORT=N with make run)\n"
    )
    ceiling = _serve({**env, "CLEARINGHOUSE_MAX_DISTANCE_CEILINGS": "pdq=400"}, cwd=tmp_path)
    assert ceiling.returncode == 1 and ceiling.stderr.startswith("error: max_distance_ceilings")
    assert "listening" not in ceiling.stderr and "Traceback" not in ceiling.stderr
    elsewhere = _serve({}, cwd=tmp_path)
    assert elsewhere.returncode == 1 and "no database at" in elsewhere.stderr
    assert not (tmp_path / "var").exists()
