"""No oracles (DESIGN §11): a member without the matcher role cannot tell a known hash from
an unknown one by what a retraction answers — the refusal is the same byte for byte
whether the signal does not exist, exists through another member, or was retracted."""

from __future__ import annotations

import pytest
from support import add_member, pdq_item, random_pdq


def _refusal(member, value: str):
    item = {"signal_type": "pdq", "value": value, "reason": "not ours"}
    answer = member.state("retraction", [item])
    return answer.status_code, answer.headers.get("Content-Type"), answer.json


@pytest.fixture
def members(db, client):
    owner = add_member(db, client, "owner")
    prober = add_member(db, client, "prober", roles="submitter")
    return owner, prober


def test_a_retraction_answers_the_same_for_known_and_unknown_hashes(members):
    owner, prober = members
    known, retracted, unknown = random_pdq(), random_pdq(), random_pdq()
    assert owner.state("submission", [pdq_item(known), pdq_item(retracted)]).status_code == 201
    gone = owner.state("retraction", [{"signal_type": "pdq", "value": retracted, "reason": "x"}])
    assert gone.status_code == 201

    answers = {name: _refusal(prober, value) for name, value in
               {"known": known, "retracted": retracted, "unknown": unknown}.items()}  # fmt: skip

    status, content_type, body = answers["unknown"]
    assert [e["index"] for e in body["errors"]] == [0]
    assert status == 400 and content_type == "application/problem+json"
    assert answers["known"] == answers["unknown"]
    assert answers["retracted"] == answers["unknown"]


def test_a_prober_without_the_matcher_role_cannot_look_up_or_read_signals(members):
    owner, prober = members
    value = random_pdq()
    sid = owner.state("submission", [pdq_item(value)]).json["items"][0]["signal_id"]
    lookup = prober.request("GET", "/v1/match", query={"signal_type": "pdq", "value": value})
    assert lookup.status_code == 403
    for path in (f"/v1/signals/{sid}", f"/v1/signals/{sid + 1000}"):
        assert prober.request("GET", path).status_code == 403
    feedback = prober.state(
        "feedback", [{"signal_type": "pdq", "value": value, "verdict": "agree", "reason": "x"}]
    )
    assert feedback.status_code == 403


def test_a_submission_answers_a_submitter_the_same_whether_the_hash_was_held(members, db, client):
    owner, prober = members
    held, fresh = random_pdq(), random_pdq()
    assert owner.state("submission", [pdq_item(held)]).status_code == 201
    answer = prober.state("submission", [pdq_item(held), pdq_item(fresh)])
    assert answer.status_code == 201
    assert answer.json["items"] == [{"status": "accepted"}, {"status": "accepted"}]
    again = prober.state("submission", [pdq_item(held)])
    assert again.json["items"] == [{"status": "unchanged"}]
    # A matcher may look any hash up anyway, so it is told.
    matcher = add_member(db, client, "looker", roles="submitter,matcher")
    told = matcher.state("submission", [pdq_item(held), pdq_item(random_pdq())]).json["items"]
    assert [i["status"] for i in told] == ["corroborated", "new"]
    assert all("signal_id" in i for i in told)
