"""Who may read what of the log: the checkpoint and key are public; a consistency proof is
for matchers too (an exchange mirroring the feed proves the log only grew, and the proof
holds only node hashes of trees whose signed heads are public); the entries and inclusion
proofs, which reach the hashes, are for auditors alone."""

from __future__ import annotations

import pytest
from support import add_member, pdq_item, random_pdq

READS = {
    "consistency": ("/v1/log/proof/consistency", {"first": 1, "second": 3}),
    "inclusion": ("/v1/log/proof/inclusion", {"index": 0, "tree_size": 3}),
    "entries": ("/v1/log/entries", {"start": 0, "end": 3}),
}
ALLOWED = {
    ("consistency", "matcher"): True,
    ("consistency", "auditor"): True,
    ("consistency", "submitter"): False,
    ("inclusion", "matcher"): False,
    ("inclusion", "auditor"): True,
    ("inclusion", "submitter"): False,
    ("entries", "matcher"): False,
    ("entries", "auditor"): True,
    ("entries", "submitter"): False,
}


@pytest.fixture
def readers(db, client):
    """One member per role, and a log of three entries or more."""
    made = {role: add_member(db, client, f"only-{role}", role) for role in ("matcher", "auditor")}
    made["submitter"] = add_member(db, client, "only-submitter", "submitter")
    assert made["submitter"].state("submission", [pdq_item(random_pdq())]).status_code == 201
    return made


@pytest.mark.parametrize(("read", "role"), sorted(ALLOWED), ids="-".join)
def test_each_log_read_by_each_role(readers, read, role):
    path, query = READS[read]
    answer = readers[role].request("GET", path, query=query)
    if ALLOWED[(read, role)]:
        assert answer.status_code == 200, answer.json
    else:
        assert answer.status_code == 403
        assert "lacks" in answer.json["detail"]


def test_the_checkpoint_and_key_need_no_signature(client, readers):
    for path in ("/v1/log/checkpoint", "/v1/log/key"):
        assert client.get(path).status_code == 200
