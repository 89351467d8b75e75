"""Each test rewrites the log in the database behind the server's back, as an operator
with database access could, and ``audit verify`` must fail naming the entry."""

from __future__ import annotations

import base64
import json

import pytest

from clearinghouse.crypto import SigningKey, sign_envelope

from .tampering import (
    build_log,
    delete_entry,
    encode,
    entry,
    pdq_item,
    random_pdq,
    set_entry,
    swap_entries,
    truncate,
)


@pytest.fixture
def log(db, client, auditor):
    """A built log, verified once so the auditor's state holds its checkpoint."""
    built = build_log(db, client)
    code, report = auditor.verify()
    assert code == 0, report
    return built


def _named(report: dict, check: str | None = None) -> set[int]:
    return {
        p["index"]
        for p in report["problems"]
        if p["index"] is not None and (check is None or p["check"] == check)
    }


def _checks(report: dict) -> set[str]:
    return {p["check"] for p in report["problems"]}


@pytest.mark.parametrize("with_state", [True, False], ids=["with-state", "first-run"])
def test_altered_entry_is_located_by_the_tree(db, auditor, log, with_state):
    victim = 2  # bravo's member_added: no signature protects it, only the tree
    changed = entry(db, victim)
    changed["name"] = "Someone Else"
    set_entry(db, victim, encode(changed))
    code, report = auditor.verify(state=with_state)
    assert code == 1
    assert _named(report, "tree") == {victim}
    assert "root" in _checks(report)
    if with_state:
        assert _named(report, "history") == {victim}


def test_altered_statement_with_the_tree_recomputed_fails_its_signature(db, auditor, log):
    victim = log["submissions"][1]
    forged = entry(db, victim)
    payload = json.loads(base64.b64decode(forged["envelope"]["payload"]))
    payload["items"][0]["value"] = random_pdq()
    forged["envelope"]["payload"] = base64.b64encode(json.dumps(payload).encode()).decode()
    set_entry(db, victim, encode(forged), rehash=True)

    code, report = auditor.verify(state=False)
    assert code == 1
    assert _named(report) == {victim}
    assert _checks(report) == {"signature"}

    code, report = auditor.verify()
    assert code == 1
    assert _named(report, "signature") == {victim}
    assert _named(report, "history") == {victim}
    assert "consistency" in _checks(report)


@pytest.mark.parametrize("with_state", [True, False], ids=["with-state", "first-run"])
def test_deleted_entry_is_located(db, auditor, log, with_state):
    victim = log["submissions"][2]
    delete_entry(db, victim)
    code, report = auditor.verify(state=with_state)
    assert code == 1
    assert min(_named(report, "tree")) == victim
    if with_state:
        assert min(_named(report, "history")) == victim
        assert "consistency" in _checks(report)


def test_swapped_entries_are_both_located(db, auditor, log):
    i, j = log["submissions"][0], log["submissions"][3]
    swap_entries(db, i, j)
    code, report = auditor.verify(state=False)
    assert code == 1
    assert _named(report, "tree") == {i, j}


def test_swapped_entries_with_the_tree_recomputed_break_the_key_history(db, auditor, log):
    # Alpha's statement signed with its new key moved before that key was added.
    i, j = log["submissions"][1], log["submissions"][5]
    swap_entries(db, i, j)
    set_entry(db, i, _entry_bytes(db, i), rehash=True)
    code, report = auditor.verify()
    assert code == 1
    assert i in _named(report, "key")
    assert _named(report, "history") >= {i, j}


def _entry_bytes(db, index: int) -> bytes:
    return encode(entry(db, index))


@pytest.mark.parametrize("signer", ["stranger", "other-member", "revoked"])
def test_statement_re_signed_with_another_key(db, auditor, log, signer):
    victim = log["submissions"][6]  # alpha, signed with its second key, the first revoked
    forged = entry(db, victim)
    payload = base64.b64decode(forged["envelope"]["payload"])
    payload_type = forged["envelope"]["payloadType"]
    if signer == "stranger":
        # Signed by a key the log never saw, under the keyid of alpha's real key.
        envelope = sign_envelope(payload_type, payload, SigningKey.generate()).to_dict()
        envelope["signatures"][0]["keyid"] = forged["key_id"]
        check = "signature"
    elif signer == "other-member":
        bravo = log["members"]["bravo"].key
        envelope = sign_envelope(payload_type, payload, bravo).to_dict()
        forged["key_id"] = bravo.key_id
        check = "key"
    else:
        old = log["alpha_old_key"]
        envelope = sign_envelope(payload_type, payload, old).to_dict()
        forged["key_id"] = old.key_id
        check = "key"
    forged["envelope"] = envelope
    set_entry(db, victim, encode(forged), rehash=True)
    code, report = auditor.verify(state=False)
    assert code == 1
    assert _named(report, check) == {victim}


def test_back_dated_key_entry(db, auditor, log):
    victim = log["key_added"]
    forged = entry(db, victim)
    forged["time"] = "2001-01-01T00:00:00.000Z"
    set_entry(db, victim, encode(forged), rehash=True)
    code, report = auditor.verify(state=False)
    assert code == 1
    assert _named(report) == {victim}
    assert _checks(report) == {"time"}


def test_statement_after_suspension(db, auditor, log):
    # The server slips in a statement by charlie after charlie's suspension.
    charlie = log["members"]["charlie"]
    victim = log["submissions"][7]  # bravo's, after the suspension
    forged = entry(db, victim)
    body = json.dumps(
        {"member": "charlie", "created": "2030-01-01T00:00:00Z", "items": [pdq_item(random_pdq())]}
    ).encode()
    envelope = sign_envelope(forged["envelope"]["payloadType"], body, charlie.key)
    forged.update(member="charlie", key_id=charlie.key.key_id, envelope=envelope.to_dict())
    set_entry(db, victim, encode(forged), rehash=True)
    code, report = auditor.verify(state=False)
    assert code == 1
    assert _named(report, "member") == {victim}


def test_fork_rewriting_history_from_an_index_on(db, auditor, log):
    fork_at = log["submissions"][2]
    truncate(db, fork_at)
    bravo = log["members"]["bravo"]
    for _ in range(log["size"] - fork_at + 2):
        answer = bravo.state("submission", [pdq_item(random_pdq())])
        assert answer.status_code == 201, answer.json
    # Every entry is well formed and well signed, and the server's tree is consistent.
    code, report = auditor.verify(state=False)
    assert code == 0, report
    code, report = auditor.verify()
    assert code == 1
    assert "consistency" in _checks(report)
    assert min(_named(report, "history")) == fork_at


def test_checkpoint_signed_by_another_key(log_key, auditor, log, monkeypatch):
    vkey = log_key.verifier().vkey
    impostor = SigningKey.generate()
    monkeypatch.setattr(log_key, "signing_key", lambda: impostor)
    code, report = auditor.verify()
    assert code == 1
    assert {"log key", "checkpoint"} <= _checks(report)
    assert report["size"] is None  # nothing was trusted, so nothing was checked

    code, report = auditor.verify("--log-key", vkey, state=False)
    assert code == 1
    assert {"log key", "checkpoint"} <= _checks(report)


def test_a_failed_run_keeps_the_last_good_state(db, auditor, log):
    before = auditor.state_path.read_bytes()
    set_entry(db, 1, encode({**entry(db, 1), "name": "Mallory"}), rehash=True)
    code, _ = auditor.verify()
    assert code == 1
    assert auditor.state_path.read_bytes() == before
    code, report = auditor.verify()
    assert code == 1 and 1 in _named(report, "history")
