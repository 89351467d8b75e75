"""Every bad or forged request is refused with the right status, and the database and the
log are unchanged afterwards."""

import json
import time

import pytest
from sqlalchemy import func, select
from support import add_member, pdq_item, random_pdq

from clearinghouse.crypto import SigningKey, sign_envelope
from clearinghouse.services.use_cases import members
from clearinghouse.store.models import Base

GOOD = "behaviour:glorification-of-terrorist-acts"


def snapshot(db):
    with db.read() as s:
        return {
            t.name: s.scalar(select(func.count()).select_from(t))
            for t in Base.metadata.sorted_tables
            if t.name != "replay_cache"
        }


@pytest.fixture
def world(db, client):
    a = add_member(db, client, "alpha")
    b = add_member(db, client, "bravo")
    reader = add_member(db, client, "reader", roles="matcher")
    known = random_pdq()
    assert b.state("submission", [pdq_item(known)]).status_code == 201
    return {"a": a, "b": b, "reader": reader, "known": known, "db": db}


def _submit(w, **kw):
    return w["a"].state("submission", [pdq_item(random_pdq())], **kw)


def _body(w, items=None, **kw):
    return w["a"].envelope("submission", items or [pdq_item(random_pdq())], **kw)


def _tamper_body(m, p, h, b):
    return m, p, h, b.replace(b'"payload":"', b'"payload":"e', 1)


def _revoked(w):
    extra = SigningKey.generate()
    members.add_key(w["db"], "alpha", extra.verify_key)
    members.revoke_key(w["db"], "alpha", extra.key_id)
    w["before"] = snapshot(w["db"])
    return w["a"].request("POST", "/v1/submissions", body=_body(w, key=extra), key=extra)


def _suspended(w):
    members.suspend_member(w["db"], "alpha")
    w["before"] = snapshot(w["db"])
    return _submit(w)


def _replay(w):
    a = w["a"]
    sent = {}

    def keep(m, p, h, b):
        sent.update(m=m, p=p, h=h, b=b)
        return m, p, h, b

    assert a.request("POST", "/v1/submissions", body=_body(w), tamper=keep).status_code == 201
    w["before"] = snapshot(w["db"])  # the first one legitimately changed the state
    return a.client.open(sent["p"], method=sent["m"], headers=sent["h"], data=sent["b"])


def _no_digest(m, p, h, b):
    h = {k: v for k, v in h.items() if k.lower() != "content-digest"}
    return m, p, h, b


CASES = {
    "no signature": (401, lambda w: w["a"].client.post("/v1/submissions", data=_body(w))),
    "unknown key": (
        401,
        lambda w: w["a"].request(
            "POST", "/v1/submissions", body=_body(w), key=SigningKey.generate()
        ),
    ),
    "revoked key": (401, _revoked),
    "suspended member": (401, _suspended),
    "modified body": (
        401,
        lambda w: w["a"].request("POST", "/v1/submissions", body=_body(w), tamper=_tamper_body),
    ),
    "modified path": (
        401,
        lambda w: w["a"].request(
            "POST",
            "/v1/submissions",
            body=_body(w),
            tamper=lambda m, p, h, b: (m, "/v1/retractions", h, b),
        ),
    ),
    "modified query": (
        401,
        lambda w: w["a"].request(
            "POST",
            "/v1/submissions",
            body=_body(w),
            query={"x": "1"},
            tamper=lambda m, p, h, b: (m, p.replace("x=1", "x=2"), h, b),
        ),
    ),
    "modified method": (
        401,
        lambda w: w["a"].request(
            "GET", "/v1/signals/1", tamper=lambda m, p, h, b: ("HEAD", p, h, b)
        ),
    ),
    "created too old": (
        401,
        lambda w: w["a"].request(
            "POST", "/v1/submissions", body=_body(w), created=int(time.time()) - 3600
        ),
    ),
    "created in the future": (
        401,
        lambda w: w["a"].request(
            "POST", "/v1/submissions", body=_body(w), created=int(time.time()) + 3600
        ),
    ),
    "replayed request": (401, _replay),
    "content-digest missing": (
        401,
        lambda w: w["a"].request("POST", "/v1/submissions", body=_body(w), tamper=_no_digest),
    ),
    "content-digest wrong": (
        401,
        lambda w: w["a"].request(
            "POST",
            "/v1/submissions",
            body=_body(w),
            headers={"Content-Digest": "sha-256=:" + "A" * 43 + "=:"},
        ),
    ),
    "role lacking": (403, lambda w: w["reader"].state("submission", [pdq_item(random_pdq())])),
    "malformed json": (400, lambda w: w["a"].request("POST", "/v1/submissions", body=b"{nope")),
    "not an envelope": (
        400,
        lambda w: w["a"].request("POST", "/v1/submissions", body=json.dumps({"a": 1}).encode()),
    ),
    "wrong payloadType": (
        400,
        lambda w: w["a"].request(
            "POST",
            "/v1/submissions",
            body=_body(w, payload_type="application/vnd.clearinghouse.feedback+json"),
        ),
    ),
    "envelope signed by another member": (
        400,
        lambda w: w["a"].request("POST", "/v1/submissions", body=_body(w, key=w["b"].key)),
    ),
    "envelope key other than claimed": (
        400,
        lambda w: w["a"].request("POST", "/v1/submissions", body=_mislabelled(w)),
    ),
    "payload member is not the signer": (
        403,
        lambda w: w["a"].request("POST", "/v1/submissions", body=_body(w, member="bravo")),
    ),
    "unknown label": (
        400,
        lambda w: _submit_items(w, [pdq_item(random_pdq(), labels=["behaviour:nope"])]),
    ),
    "no labels": (400, lambda w: _submit_items(w, [pdq_item(random_pdq(), labels=[])])),
    "bad hash": (400, lambda w: _submit_items(w, [pdq_item("zz" * 32)])),
    "low quality": (400, lambda w: _submit_items(w, [dict(pdq_item(random_pdq()), quality=10)])),
    "unknown signal type": (
        400,
        lambda w: _submit_items(w, [dict(pdq_item(random_pdq()), signal_type="tlsh")]),
    ),
    "one bad item among good": (
        400,
        lambda w: _submit_items(
            w, [pdq_item(random_pdq()), pdq_item("00"), pdq_item(random_pdq())]
        ),
    ),
    "too many items": (400, lambda w: _submit_items(w, [pdq_item(random_pdq())] * 10_001)),
    "empty items": (400, lambda w: _submit_items(w, [])),
    "oversized body": (
        413,
        lambda w: w["a"].client.post("/v1/submissions", data=b"x" * (16 * 1024 * 1024 + 1)),
    ),
    "retraction never contributed": (
        400,
        lambda w: w["a"].state(
            "retraction", [{"signal_type": "pdq", "value": w["known"], "reason": "x"}]
        ),
    ),
    "retraction of unknown signal": (
        400,
        lambda w: w["a"].state(
            "retraction", [{"signal_type": "pdq", "value": random_pdq(), "reason": "x"}]
        ),
    ),
    "feedback on unknown signal": (
        400,
        lambda w: w["a"].state(
            "feedback",
            [{"signal_type": "pdq", "value": random_pdq(), "verdict": "agree", "reason": "x"}],
        ),
    ),
    "feedback bad verdict": (
        400,
        lambda w: w["a"].state(
            "feedback",
            [{"signal_type": "pdq", "value": w["known"], "verdict": "maybe", "reason": "x"}],
        ),
    ),
}


def _submit_items(w, items):
    return w["a"].request(
        "POST",
        "/v1/submissions",
        body=_body(w, items=items) if items else w["a"].envelope("submission", []),
    )


def _mislabelled(w):
    env = sign_envelope(
        "application/vnd.clearinghouse.submission+json",
        json.dumps(
            {
                "member": "alpha",
                "created": "2026-01-01T00:00:00Z",
                "items": [pdq_item(random_pdq())],
            }
        ).encode(),
        w["b"].key,
    )
    data = env.to_dict()
    data["signatures"][0]["keyid"] = w["a"].key.key_id
    return json.dumps(data).encode()


@pytest.mark.parametrize("case", list(CASES))
def test_refused_and_nothing_changes(world, case):
    status, send = CASES[case]
    world["before"] = snapshot(world["db"])
    response = send(world)
    assert response.status_code == status, response.get_json()
    if response.request.method != "HEAD":
        assert response.mimetype == "application/problem+json"
    assert snapshot(world["db"]) == world["before"]


def test_all_bad_items_are_listed_by_index(world):
    r = _submit_items(
        world,
        [pdq_item(random_pdq()), pdq_item("00"), pdq_item(random_pdq(), labels=["behaviour:nope"])],
    )
    assert r.status_code == 400
    assert sorted({e["index"] for e in r.json["errors"]}) == [1, 2]
    fields = {(e["index"], e["field"]) for e in r.json["errors"]}
    assert (1, "value") in fields
    assert any(i == 2 and f.startswith("labels") for i, f in fields)


def test_401s_do_not_say_which_check_failed(world):
    bodies = {
        CASES[c][1](world).get_json()["detail"]
        for c in ("no signature", "unknown key", "modified body", "created too old")
    }
    assert len(bodies) == 1
