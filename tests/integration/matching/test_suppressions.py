"""Per-member suppressions: the member's own lookups mark or drop them, other members'
are unaffected, nothing is logged, another process sees a change at its next reload."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from support import add_member, pdq_item, random_pdq

from clearinghouse.bootstrap import bootstrap
from clearinghouse.store.models import LogEntry


@pytest.fixture
def pair(db, client):
    alpha, bravo = add_member(db, client, "alpha"), add_member(db, client, "bravo")
    value = random_pdq()
    r = alpha.state("submission", [pdq_item(value)])
    return alpha, bravo, value, r.json["items"][0]["signal_id"]


def _match(member, value, **extra):
    body = json.dumps({"queries": [{"signal_type": "pdq", "value": value}], **extra}).encode()
    r = member.request("POST", "/v1/match", body=body)
    assert r.status_code == 200, r.json
    return r.json["results"][0]["matches"]


def _post(member, body):
    return member.request("POST", "/v1/suppressions", body=json.dumps(body).encode())


def _log_size(db):
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(LogEntry))


def test_a_suppression_is_the_members_own_and_not_logged(db, pair):
    alpha, bravo, value, sid = pair
    size = _log_size(db)
    added = _post(alpha, {"signal_id": sid, "reason": "our logo, a known false positive"})
    assert added.status_code == 201 and added.json["status"] == "new"
    again = _post(alpha, {"signal_id": sid, "reason": "again"})
    assert again.status_code == 200 and again.json["status"] == "unchanged"
    [marked] = _match(alpha, value)
    assert marked["signal_id"] == sid and marked["suppressed"] is True
    assert _match(alpha, value, suppressed="drop") == []
    [theirs] = _match(bravo, value)  # another member's lookups are unaffected
    assert "suppressed" not in theirs
    listed = alpha.request("GET", "/v1/suppressions").json["suppressions"]
    assert [(s["signal_id"], s["reason"]) for s in listed] == [
        (sid, "our logo, a known false positive")
    ]
    assert bravo.request("GET", "/v1/suppressions").json == {"suppressions": []}
    assert alpha.request("DELETE", f"/v1/suppressions/{sid}").status_code == 204
    assert alpha.request("DELETE", f"/v1/suppressions/{sid}").status_code == 404
    assert "suppressed" not in _match(alpha, value)[0]
    assert _log_size(db) == size


@pytest.mark.parametrize(
    "body",
    [
        {"signal_id": "1", "reason": "x"},
        {"signal_id": 0, "reason": "x"},
        {"signal_id": 1},
        {"signal_id": 1, "reason": ""},
        {"signal_id": 1, "reason": "a\nb"},
        {"signal_id": 1, "reason": "x", "extra": 1},
    ],
)
def test_bad_suppressions_are_refused(db, pair, body):
    alpha, *_ = pair
    assert _post(alpha, body).status_code == 400
    assert alpha.request("GET", "/v1/suppressions").json == {"suppressions": []}


def test_an_unknown_signal_and_a_bad_mode_are_refused(pair):
    alpha, _, value, _ = pair
    assert _post(alpha, {"signal_id": 999_999, "reason": "x"}).status_code == 404
    body = json.dumps({"queries": [{"signal_type": "pdq", "value": value}], "suppressed": "hide"})
    assert alpha.request("POST", "/v1/match", body=body.encode()).status_code == 400


def test_another_process_sees_a_suppression_at_its_next_reload(db, settings, pair):
    alpha, _, _, sid = pair
    other = bootstrap(settings)
    try:
        assert other.suppressions.of("alpha") == frozenset()
        _post(alpha, {"signal_id": sid, "reason": "x"})
        assert other.suppressions.of("alpha") == frozenset()  # not yet
        other.suppressions.reload()  # what its thread does every index poll interval
        assert other.suppressions.of("alpha") == frozenset({sid})
        assert other.suppressions.of("bravo") == frozenset()
    finally:
        other.close()
