"""A log of a few thousand entries from several members: it passes, and single edits
anywhere in it (page edges, powers of two) are each named."""

from __future__ import annotations

import json

import pytest
from support import now_rfc3339

from clearinghouse.crypto import SigningKey, sign_envelope
from clearinghouse.services.adapters.caller import Caller
from clearinghouse.services.use_cases import members, statements
from clearinghouse.services.use_cases.log_entries import encode_entry
from clearinghouse.store.log import append_entries, log_size
from clearinghouse.wire import utcnow

from .tampering import encode, entry, pdq_item, random_pdq, set_entry

MEMBERS = ("alpha", "bravo", "charlie", "delta", "echo")
BULK = 2_600
ROLES = frozenset({"submitter", "matcher"})


def _envelope(member: str, key: SigningKey):
    payload = json.dumps(
        {"member": member, "created": now_rfc3339(), "items": [pdq_item(random_pdq())]}
    ).encode()
    return sign_envelope(statements.PAYLOAD_TYPES["submission"], payload, key)


def _build(db, parts: statements.StatementParts) -> int:
    """Members and key rotations through the services; statements mostly appended as the
    service would write them, in batches (the full service path is run for a few)."""
    keys = {}
    for name in MEMBERS:
        keys[name] = SigningKey.generate()
        members.add_member(db, name, name.title(), "submitter,matcher", keys[name].verify_key)
    for name in MEMBERS[:3]:  # a few through the whole statement pipeline
        caller = Caller(name, keys[name].key_id, ROLES)
        body = _envelope(name, keys[name]).to_json()
        statements.accept_statement(parts, "submission", caller, body)
    for batch in range(BULK // 200):
        if batch == 5:  # a key rotation midway
            rotated = SigningKey.generate()
            members.add_key(db, "bravo", rotated.verify_key)
            members.revoke_key(db, "bravo", keys["bravo"].key_id)
            keys["bravo"] = rotated
        now = utcnow()
        rows = []
        for i in range(200):
            name = MEMBERS[(batch * 200 + i) % len(MEMBERS)]
            data = encode_entry(
                "submission",
                now,
                member=name,
                key_id=keys[name].key_id,
                envelope=_envelope(name, keys[name]).to_dict(),
            )
            rows.append(("submission", data))
        with db.write() as session:
            append_entries(session, rows, now)
    with db.read() as session:
        return log_size(session)


@pytest.fixture
def bulk(db, statement_parts, auditor):
    size = _build(db, statement_parts)
    assert size > 2_000
    return size


def test_a_few_thousand_entries_pass(bulk, auditor):
    code, report = auditor.verify()
    assert code == 0, report["problems"][:5]
    assert report["checked"] == bulk
    assert report["statements"] == bulk - len(MEMBERS) - 2 - 1  # members, rotation, auditor


@pytest.mark.parametrize("with_state", [True, False], ids=["with-state", "first-run"])
def test_each_edited_entry_is_named(db, bulk, auditor, with_state):
    code, _ = auditor.verify()
    assert code == 0
    edited = {999, 1023, 1024, 1999, bulk - 1}
    for index in edited:
        changed = entry(db, index)
        changed["key_id"] = changed["key_id"][::-1]
        set_entry(db, index, encode(changed))
    code, report = auditor.verify(state=with_state)
    assert code == 1
    tree = {p["index"] for p in report["problems"] if p["check"] == "tree"}
    assert tree == edited
    if with_state:
        assert {p["index"] for p in report["problems"] if p["check"] == "history"} == edited
