"""Two members on one server: submit, corroborate, dispute, retract — each step visible and
each a log entry whose envelope verifies with the member's public key alone."""

import json

from support import add_member, pdq_item, random_pdq

from clearinghouse.crypto import Envelope, verify_envelope
from clearinghouse.store.log import log_size, read_entries


def _log(db):
    with db.read() as s:
        return [json.loads(d) for _, d in read_entries(s, 0, log_size(s))]


def test_two_members_lifecycle(db, client):
    a = add_member(db, client, "alpha")
    b = add_member(db, client, "bravo")
    value = random_pdq()

    r = a.state("submission", [pdq_item(value.upper())])
    assert r.status_code == 201, r.json
    first = r.json
    sid = first["items"][0]["signal_id"]
    assert first["items"][0]["status"] == "new"
    assert first["log_index"] == 2
    assert first["checkpoint"].startswith("clearinghouse.localhost/log\n3\n")
    assert first["inclusion_proof"]["tree_size"] == 3

    sig = a.request("GET", f"/v1/signals/{sid}").json
    assert sig["value"] == value
    assert sig["contributors"] == 1 and not sig["confirmed"] and not sig["disputed"]
    assert sig["your_contribution"]["status"] == "active"

    r = b.state("submission", [pdq_item(value, labels=["behaviour:imminent-credible-threat"])])
    assert r.status_code == 201, r.json
    assert r.json["items"] == [{"signal_id": sid, "status": "corroborated"}]
    sig = b.request("GET", f"/v1/signals/{sid}").json
    assert sig["confirmed"] is True and sig["contributors"] == 2
    assert sig["labels"] == {
        "behaviour:glorification-of-terrorist-acts": 1,
        "behaviour:imminent-credible-threat": 1,
    }

    r = b.state(
        "feedback",
        [{"signal_type": "pdq", "value": value, "verdict": "disagree", "reason": "news footage"}],
    )
    assert r.status_code == 201, r.json
    assert b.request("GET", f"/v1/signals/{sid}").json["disputed"] is True

    r = a.state("retraction", [{"signal_type": "pdq", "value": value, "reason": "mistake"}])
    assert r.status_code == 201, r.json
    sig = b.request("GET", f"/v1/signals/{sid}").json
    assert sig["status"] == "active" and sig["contributors"] == 1
    assert sig["labels"] == {"behaviour:imminent-credible-threat": 1}
    assert a.request("GET", f"/v1/signals/{sid}").json["your_contribution"]["status"] == "retracted"

    entries = _log(db)
    assert [e["type"] for e in entries] == [
        "member_added",
        "member_added",
        "submission",
        "submission",
        "feedback",
        "retraction",
    ]
    keys = {"alpha": a.key.verify_key, "bravo": b.key.verify_key}
    for entry in entries[2:]:
        envelope = Envelope.from_dict(entry["envelope"])
        key = keys[entry["member"]]
        keyid, _ = verify_envelope(
            envelope, lambda kid, key=key: key if kid == key.key_id else None
        )
        assert keyid == entry["key_id"]
        assert json.loads(envelope.payload)["member"] == entry["member"]


def test_same_envelope_twice_is_stored_once_and_answered_the_same(db, client):
    a = add_member(db, client, "alpha")
    body = a.envelope("submission", [pdq_item(random_pdq())])
    first = a.request("POST", "/v1/submissions", body=body)
    second = a.request("POST", "/v1/submissions", body=body)
    assert first.status_code == second.status_code == 201
    assert first.json == second.json
    assert [e["type"] for e in _log(db)].count("submission") == 1


def test_last_retraction_removes_the_signal_and_resubmission_revives_it(db, client):
    a = add_member(db, client, "alpha")
    value = random_pdq()
    sid = a.state("submission", [pdq_item(value)]).json["items"][0]["signal_id"]
    r = a.state("retraction", [{"signal_type": "pdq", "value": value, "reason": "x"}])
    assert r.json["items"] == [{"signal_id": sid, "status": "retracted"}]
    assert a.request("GET", f"/v1/signals/{sid}").json["status"] == "retracted"
    # A different statement (the note differs): the same envelope would get the first answer.
    r = a.state("submission", [pdq_item(value, note="re-reviewed")])
    assert r.json["items"] == [{"signal_id": sid, "status": "new"}]
    assert a.request("GET", f"/v1/signals/{sid}").json["status"] == "active"


def test_later_feedback_replaces_the_earlier_and_both_are_logged(db, client):
    a = add_member(db, client, "alpha")
    value = random_pdq()
    sid = a.state("submission", [pdq_item(value)]).json["items"][0]["signal_id"]
    item = {"signal_type": "pdq", "value": value, "reason": "r"}
    a.state("feedback", [dict(item, verdict="disagree")])
    assert a.request("GET", f"/v1/signals/{sid}").json["feedback"] == {"agree": 0, "disagree": 1}
    r = a.state("feedback", [dict(item, verdict="agree")])
    assert r.json["items"][0]["status"] == "replaced"
    assert a.request("GET", f"/v1/signals/{sid}").json["feedback"] == {"agree": 1, "disagree": 0}
    assert [e["type"] for e in _log(db)].count("feedback") == 2


def test_change_feed_pages_through_states_with_tombstones(db, client):
    a = add_member(db, client, "alpha")
    values = [random_pdq() for _ in range(5)]
    a.state("submission", [pdq_item(v) for v in values])
    a.state("retraction", [{"signal_type": "pdq", "value": values[0], "reason": "x"}])
    seen, cursor = [], None
    while True:
        page = a.request(
            "GET", "/v1/signals", query={"limit": 2, **({"after": cursor} if cursor else {})}
        ).json
        seen.extend(page["signals"])
        if not page["signals"]:
            break
        cursor = page["next"]
    assert len(seen) == 5
    assert seen[-1]["status"] == "retracted" and "value" not in seen[-1]
    assert {s["value"] for s in seen[:-1]} == set(values[1:])
