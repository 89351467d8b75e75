"""A contributor releases a held signal with a signed statement (POST /v1/releases, the
SDK's ``release``, ``clearinghouse signals release``): logged, folded by ``db check``,
passed by the audit; another member cannot, and learns nothing of the signal by trying."""

from __future__ import annotations

import json

from click.testing import CliRunner
from support import add_member, pdq_item, random_pdq

from clearinghouse.cli.audit import audit
from clearinghouse.cli.main import build_cli
from clearinghouse.client.statements import sign_release
from clearinghouse.services.use_cases import holds, log_check
from clearinghouse.store import holds as rows
from clearinghouse.store.log import log_size
from clearinghouse.wire import ENDPOINTS


def _release(member, signal_id, reason="a picture everyone posts", body=None):
    body = body or sign_release(member.id, signal_id, reason, member.key).to_json()
    return member.request("POST", ENDPOINTS["release"], body=body)


def _size(db) -> int:
    with db.read() as session:
        return log_size(session)


def _key_file(member, tmp_path):
    path = tmp_path / f"{member.id}.key"
    path.write_bytes(member.key.to_pem())
    path.chmod(0o600)
    return path


def test_a_contributor_releases_and_others_cannot(db, client, registry, server, tmp_path):
    alpha, bravo = add_member(db, client, "alpha"), add_member(db, client, "bravo")
    assert alpha.state("submission", [pdq_item(random_pdq())]).status_code == 201
    held = holds.hold_signal(db, 1, "matched far more than its type", by="checker")

    size = _size(db)
    stranger = _release(bravo, 1)
    nothing = _release(bravo, 99)  # no such signal: the same answer, but for the id
    assert stranger.status_code == nothing.status_code == 403
    assert stranger.json["detail"].replace("1", "N") == nothing.json["detail"].replace("99", "N")
    assert _release(alpha, 1, reason=" ").status_code == 400
    assert _size(db) == size

    envelope = sign_release("alpha", 1, "a picture everyone posts", alpha.key).to_json()
    answer = _release(alpha, 1, body=envelope)
    assert answer.status_code == 201, answer.json
    assert answer.json["hold"] == {**answer.json["hold"], "status": "released", "by": "alpha"}
    assert answer.json["log_index"] == size and answer.json["hold"]["time"] >= held["time"]
    with db.read() as session:
        assert rows.held_ids(session) == frozenset()
    assert _release(alpha, 1, body=envelope).json == answer.json  # sent again: same answer
    again = _release(alpha, 1, reason="once more")  # another statement: nothing held
    assert again.status_code == 409 and "not held" in again.json["detail"]

    # From the command line, as the contributor.
    holds.hold_signal(db, 1, "held again")
    run = CliRunner().invoke(
        build_cli(),
        ["signals", "release", "1", "--reason", "reviewed, harmless", "--json",
         "--server", server, "--member", "alpha", "--key", str(_key_file(alpha, tmp_path))],
    )  # fmt: skip
    assert run.exit_code == 0, run.output
    assert json.loads(run.stdout)["hold"]["status"] == "released"

    assert log_check.check(db, registry) == []
    watchdog = add_member(db, client, "watchdog", roles="auditor")
    result = CliRunner().invoke(
        audit,
        ["verify", "--server", server, "--member", "watchdog",
         "--key", str(_key_file(watchdog, tmp_path)), "--json"],
    )  # fmt: skip
    report = json.loads(result.stdout)
    assert result.exit_code == 0 and report["problems"] == [], report
