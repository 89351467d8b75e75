"""Retractions and feedback repeated answer ``unchanged``; a retraction by a member that
never contributed gets the same refusal whether the signal exists or not."""

import gc

from support import add_member, pdq_item, random_pdq

from clearinghouse.store.log import log_size


def _retraction(value: str, reason: str = "mistake") -> list[dict]:
    return [{"signal_type": "pdq", "value": value, "reason": reason}]


def test_retraction_repeated_is_unchanged(db, client):
    a = add_member(db, client, "alpha")
    b = add_member(db, client, "bravo")
    value = random_pdq()
    assert a.state("submission", [pdq_item(value)]).status_code == 201
    assert b.state("submission", [pdq_item(value)]).status_code == 201
    first = a.state("retraction", _retraction(value))
    assert first.json["items"][0]["status"] == "contribution_retracted"
    again = a.state("retraction", _retraction(value, "said twice"))
    assert again.status_code == 201, again.json
    assert again.json["items"] == [{"signal_id": first.json["items"][0]["signal_id"],
                                   "status": "unchanged"}]  # fmt: skip
    sid = first.json["items"][0]["signal_id"]
    assert b.request("GET", f"/v1/signals/{sid}").json["contributors"] == 1


def test_feedback_repeated_is_unchanged(db, client):
    a = add_member(db, client, "alpha")
    value = random_pdq()
    sid = a.state("submission", [pdq_item(value)]).json["items"][0]["signal_id"]
    item = {"signal_type": "pdq", "value": value, "verdict": "disagree", "reason": "news"}
    assert a.state("feedback", [item]).json["items"][0]["status"] == "recorded"
    again = a.state("feedback", [{**item, "reason": "still news"}])
    assert again.status_code == 201, again.json
    assert again.json["items"] == [{"signal_id": sid, "status": "unchanged"}]
    flipped = a.state("feedback", [{**item, "verdict": "agree"}])
    assert flipped.json["items"] == [{"signal_id": sid, "status": "replaced"}]


def test_retraction_does_not_reveal_which_signals_exist(db, client):
    a = add_member(db, client, "alpha")
    b = add_member(db, client, "bravo")
    held = random_pdq()
    assert a.state("submission", [pdq_item(held)]).status_code == 201
    with db.read() as s:
        size = log_size(s)

    answers = [b.state("retraction", _retraction(v)) for v in (held, random_pdq())]
    assert [r.status_code for r in answers] == [400, 400]
    bodies = [{k: v for k, v in r.json.items() if k != "instance"} for r in answers]
    assert bodies[0] == bodies[1]
    assert bodies[0]["errors"] == [
        {
            "index": 0,
            "field": "value",
            "reason": "member 'bravo' has no contribution to this signal",
        }
    ]
    with db.read() as s:
        assert log_size(s) == size


def test_the_collector_runs_again_after_statements(db, client):
    """Statements pause the garbage collector while they run (services/adapters/gc_pause.py);
    accepted or refused, it runs again afterwards."""
    a = add_member(db, client, "alpha")
    assert gc.isenabled()
    assert a.state("submission", [pdq_item(random_pdq())]).status_code == 201
    assert gc.isenabled()
    assert a.state("submission", [pdq_item("zz")]).status_code == 400
    assert gc.isenabled()
