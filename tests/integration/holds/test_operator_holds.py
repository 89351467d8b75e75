"""The operator's holds from the command line: each hold and release is one log entry,
refused moves change nothing, and the signal's feed cursor moves with each."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from support import add_member, pdq_item, random_pdq

from clearinghouse.cli.main import build_cli
from clearinghouse.store.log import log_size, read_entries
from clearinghouse.store.models import Signal


@pytest.fixture
def run(settings, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env = {
        "CLEARINGHOUSE_DATA_DIR": str(settings.data_dir),
        "CLEARINGHOUSE_DATABASE_URL": settings.effective_database_url,
    }

    def invoke(*args):
        return CliRunner().invoke(build_cli(), [str(a) for a in args], env=env)

    return invoke


def _log(db) -> list[dict]:
    with db.read() as session:
        return [json.loads(d) for _, d in read_entries(session, 0, log_size(session))]


def _stamp(db, signal_id: int) -> int:
    with db.read() as session:
        return session.get(Signal, signal_id).updated_index


def test_hold_list_release_each_logged_and_refusals_change_nothing(run, db, client):
    alpha = add_member(db, client, "alpha")
    assert alpha.state("submission", [pdq_item(random_pdq())]).status_code == 201
    held = run("holds", "hold", 1, "--reason", "matches everything", "--json")
    assert held.exit_code == 0, held.output
    shown = json.loads(held.stdout)
    assert (shown["status"], shown["by"], shown["signal_id"]) == ("held", "operator", 1)
    assert _stamp(db, 1) == shown["log_index"] == len(_log(db)) - 1
    listed = run("holds", "list", "--json")
    assert [json.loads(line)["signal_id"] for line in listed.stdout.splitlines()] == [1]

    size = len(_log(db))
    for args, words in (
        (("hold", 1, "--reason", "again"), "held since entry"),
        (("hold", 9, "--reason", "none such"), "no signal 9"),
        (("release", 1, "--reason", " "), "a reason is required"),
    ):
        refused = run("holds", *args)
        assert refused.exit_code == 1 and words in refused.stderr, refused.output
    assert len(_log(db)) == size

    released = run("holds", "release", 1, "--reason", "a known picture", "--json")
    assert released.exit_code == 0, released.output
    assert json.loads(released.stdout)["status"] == "released"
    assert run("holds", "list", "--json").stdout == ""
    entries = _log(db)
    assert [(e["type"], e["signal_id"], e["by"]) for e in entries[-2:]] == [
        ("signal_held", 1, "operator"),
        ("signal_released", 1, "operator"),
    ]
    assert _stamp(db, 1) == len(entries) - 1
    again = run("holds", "release", 1, "--reason", "twice")
    assert again.exit_code == 1 and "not held" in again.stderr
