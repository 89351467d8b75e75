"""A small populated log for the site's tests: two members, submissions, a
corroboration, feedback and a retraction."""

from __future__ import annotations

import pytest

from tests.support import add_member, pdq_item, random_pdq


@pytest.fixture
def populated(db, client):
    alice = add_member(db, client, "alice")
    bob = add_member(db, client, "bob", roles="submitter,matcher")
    values = [random_pdq() for _ in range(3)]
    first = alice.state("submission", [pdq_item(v, note="found on a forum") for v in values])
    assert first.status_code == 201, first.get_json()
    second = bob.state("submission", [pdq_item(values[0])])
    assert second.status_code == 201, second.get_json()
    verdict = bob.state(
        "feedback",
        [{"signal_type": "pdq", "value": values[1], "verdict": "disagree", "reason": "cartoon"}],
    )
    assert verdict.status_code == 201, verdict.get_json()
    gone = alice.state(
        "retraction", [{"signal_type": "pdq", "value": values[2], "reason": "mistaken"}]
    )
    assert gone.status_code == 201, gone.get_json()
    signal_ids = [item["signal_id"] for item in first.get_json()["items"]]
    return {"alice": alice, "bob": bob, "values": values, "signal_ids": signal_ids,
            "submission_index": first.get_json()["log_index"]}  # fmt: skip
