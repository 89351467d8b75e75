"""Operator commands against a real database, as an operator would run them."""

import json
import os
import stat

import pytest
from click.testing import CliRunner

from clearinghouse.cli.main import build_cli
from clearinghouse.store.log import log_size, read_entries


@pytest.fixture
def run(settings, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env = {
        "CLEARINGHOUSE_DATA_DIR": str(settings.data_dir),
        "CLEARINGHOUSE_DATABASE_URL": settings.effective_database_url,
    }
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(build_cli(), list(args), env=env, catch_exceptions=False)

    return invoke


def _log(db):
    with db.read() as session:
        return [json.loads(d) for _, d in read_entries(session, 0, log_size(session))]


def test_keygen_members_add_prints_json_and_logs_one_entry(run, db, tmp_path):
    r = run("keygen", "acme")
    assert r.exit_code == 0, r.output
    key_id = r.output.strip()
    assert len(key_id) == 32
    mode = stat.S_IMODE(os.stat(tmp_path / "keys" / "acme.key").st_mode)
    assert mode == 0o600
    r = run(
        "members",
        "add",
        "acme",
        "--name",
        "Acme",
        "--roles",
        "submitter,matcher,auditor",
        "--public-key",
        "keys/acme.pub",
        "--json",
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.output) == {"member": "acme", "key_id": key_id}
    entries = _log(db)
    assert len(entries) == 1
    assert entries[0]["type"] == "member_added"
    assert entries[0]["member"] == "acme"
    assert entries[0]["key_id"] == key_id


def test_membership_lifecycle_is_logged(run, db):
    run("keygen", "a1")
    run("keygen", "a2")
    assert (
        run(
            "members",
            "add",
            "acme",
            "--name",
            "Acme",
            "--roles",
            "submitter",
            "--public-key",
            "keys/a1.pub",
        ).exit_code
        == 0
    )
    r = run("keys", "add", "acme", "--public-key", "keys/a2.pub", "--json")
    assert r.exit_code == 0, r.output
    second = json.loads(r.output)["key_id"]
    assert run("keys", "revoke", "acme", second).exit_code == 0
    r = run("members", "list", "--json")
    row = json.loads(r.output.splitlines()[0])
    assert row["member"] == "acme"
    assert {k["status"] for k in row["keys"]} == {"active", "revoked"}
    assert run("members", "suspend", "acme").exit_code == 0
    assert [e["type"] for e in _log(db)] == [
        "member_added",
        "key_added",
        "key_revoked",
        "member_suspended",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [
                "members",
                "add",
                "Bad_Id",
                "--name",
                "X",
                "--roles",
                "submitter",
                "--public-key",
                "keys/kk.pub",
            ],
            "does not match",
        ),
        (
            [
                "members",
                "add",
                "okid",
                "--name",
                "X",
                "--roles",
                "admin",
                "--public-key",
                "keys/kk.pub",
            ],
            "roles",
        ),
        (
            [
                "members",
                "add",
                "okid",
                "--name",
                "X",
                "--roles",
                "submitter",
                "--public-key",
                "keys/missing.pub",
            ],
            "cannot read",
        ),
        (
            [
                "members",
                "add",
                "okid",
                "--name",
                "X",
                "--roles",
                "submitter",
                "--public-key",
                "keys/kk.key",
            ],
            "not a PEM public key",
        ),
        (["members", "suspend", "ghost"], "no member"),
        (["keys", "revoke", "ghost", "00"], "no member"),
    ],
)
def test_bad_operator_input_is_one_line_and_changes_nothing(run, db, args, message):
    run("keygen", "kk")
    r = run(*args)
    assert r.exit_code == 1
    assert message in r.stderr
    assert "Traceback" not in r.output
    assert _log(db) == []


def test_duplicates_and_last_key_are_refused(run, db):
    run("keygen", "kk")
    add = [
        "members",
        "add",
        "acme",
        "--name",
        "A",
        "--roles",
        "submitter",
        "--public-key",
        "keys/kk.pub",
    ]
    assert run(*add).exit_code == 0
    r = run(*add)
    assert r.exit_code == 1 and "already exists" in r.stderr
    key_id = json.loads(run("members", "list", "--json").output)["keys"][0]["key_id"]
    r = run("keys", "revoke", "acme", key_id)
    assert r.exit_code == 1 and "last active key" in r.stderr
    assert run("keys", "revoke", "acme", key_id, "--force").exit_code == 0
    assert len(_log(db)) == 2


def test_unreachable_database_is_one_clear_line(tmp_path):
    env = {
        "CLEARINGHOUSE_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"
    }
    r = CliRunner().invoke(build_cli(), ["db", "upgrade"], env=env)
    assert r.exit_code == 1
    assert r.stderr.startswith("error: the database is unavailable")
    assert "connection" in r.stderr.lower()  # the operator sees the driver's reason


def test_unwritable_data_dir_is_one_clear_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    env = {"CLEARINGHOUSE_DATA_DIR": str(blocker / "sub")}
    r = CliRunner().invoke(build_cli(), ["db", "upgrade"], env=env)
    assert r.exit_code == 1
    assert "CLEARINGHOUSE_DATA_DIR" in r.stderr


def test_bad_setting_is_one_clear_line():
    r = CliRunner().invoke(
        build_cli(), ["db", "upgrade"], env={"CLEARINGHOUSE_MAX_BODY_BYTES": "x"}
    )
    assert r.exit_code == 1
    assert "CLEARINGHOUSE_MAX_BODY_BYTES must be" in r.stderr


@pytest.mark.parametrize("member", ["acme\n", "acme\r\n", " acme", "a", "Acme", "acme\x00"])
def test_members_add_matches_the_whole_id(run, db, member):
    assert run("keygen", "acme").exit_code == 0
    r = run(
        "members",
        "add",
        member,
        "--name",
        "A",
        "--roles",
        "matcher",
        "--public-key",
        "keys/acme.pub",
    )
    assert r.exit_code == 1
    assert r.stderr.startswith("error: member:")
    assert _log(db) == []


def test_data_dir_database_and_log_key_are_private(tmp_path):
    data = tmp_path / "var"
    env = {"CLEARINGHOUSE_DATA_DIR": str(data)}
    old = os.umask(0o022)
    try:
        r = CliRunner().invoke(build_cli(), ["db", "upgrade"], env=env)
    finally:
        os.umask(old)
    assert r.exit_code == 0, r.output
    from clearinghouse.bootstrap import bootstrap
    from clearinghouse.config import load_settings

    root = bootstrap(load_settings(env))
    try:
        root.log_key.signing_key()
    finally:
        root.close()
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "clearinghouse.db").stat().st_mode) == 0o600
    assert stat.S_IMODE((data / "log.key").stat().st_mode) == 0o600


def test_a_log_key_readable_by_others_stops_the_service(tmp_path):
    from clearinghouse.bootstrap import bootstrap
    from clearinghouse.config import load_settings
    from clearinghouse.errors import ConfigError

    env = {"CLEARINGHOUSE_DATA_DIR": str(tmp_path / "var")}
    assert CliRunner().invoke(build_cli(), ["db", "upgrade"], env=env).exit_code == 0
    root = bootstrap(load_settings(env))
    root.log_key.signing_key()
    root.close()
    (tmp_path / "var" / "log.key").chmod(0o640)
    root = bootstrap(load_settings(env))
    try:
        with pytest.raises(ConfigError, match=r"readable by others.*chmod 600"):
            root.log_key.signing_key()
    finally:
        root.close()
