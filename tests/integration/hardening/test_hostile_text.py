"""Hostile but well-formed input (DESIGN §11, issue #20.9–10): a statement's time out of
bounds, free text carrying control or bidi characters, a content type that is not a
media type, a body that is not JSON, unknown or repeated query parameters. Each is
refused with a problem naming the field or limit, and nothing changes afterwards."""

# ruff: noqa: E501 — the refusal table reads best one case a line

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select
from support import add_member, pdq_item, random_pdq

from clearinghouse.crypto import sign_envelope
from clearinghouse.store.log import log_size
from clearinghouse.store.models import Base
from clearinghouse.wire import CONTENT_TYPES, PAYLOAD_TYPES

NOW = datetime.now(UTC)


def snapshot(db):
    with db.read() as s:
        counts = {
            t.name: s.scalar(select(func.count()).select_from(t))
            for t in Base.metadata.sorted_tables
            if t.name != "replay_cache"
        }
        counts["log"] = log_size(s)
    return counts


@pytest.fixture
def world(root, client):
    a = add_member(root.db, client, "alpha")
    known = random_pdq()
    assert a.state("submission", [pdq_item(known)]).status_code == 201
    return {"a": a, "known": known, "root": root}


def _stated(w, kind, items, created):
    payload = json.dumps({"member": "alpha", "created": created, "items": items}).encode()
    body = sign_envelope(PAYLOAD_TYPES[kind], payload, w["a"].key).to_json()
    path = {"submission": "/v1/submissions", "retraction": "/v1/retractions"}[kind]
    return w["a"].request("POST", path, body=body)


def _at(delta: timedelta):
    def send(w):
        moment = (datetime.now(UTC) + delta).isoformat(timespec="seconds")
        return _stated(w, "submission", [pdq_item(random_pdq())], moment.replace("+00:00", "Z"))

    return send


def _note(text):
    return lambda w: w["a"].state("submission", [pdq_item(random_pdq(), note=text)])


def _content_type(text):
    return lambda w: w["a"].state("submission", [pdq_item(random_pdq(), content_type=text)])


def _reason(kind, text):
    def send(w):
        item = {"signal_type": "pdq", "value": w["known"], "reason": text}
        if kind == "feedback":
            item["verdict"] = "agree"
        return w["a"].state(kind, [item])

    return send


def _typed(path, content_type):
    def send(w):
        body = (
            w["a"].envelope("submission", [pdq_item(random_pdq())])
            if path != "/v1/match"
            else json.dumps({"queries": [{"signal_type": "pdq", "value": w["known"]}]}).encode()
        )
        headers = {} if content_type is None else {"Content-Type": content_type}
        return w["a"].request(
            "POST", path, body=body, tamper=_retype(content_type), headers=headers
        )

    return send


def _retype(content_type):
    def tamper(method, path, headers, body):
        headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
        if content_type is not None:
            headers["Content-Type"] = content_type
        return method, path, headers, body

    return tamper


def _get(path, pairs, signed=True):
    def send(w):
        target = path + "?" + urlencode(pairs)
        if not signed:
            return w["a"].client.get(target)
        return w["a"].request("GET", target)

    return send


def _match_pairs(w_known=None):
    return [("signal_type", "pdq"), ("value", "0" * 64)]


CASES = {
    # 9. created out of bounds: 422 naming the setting
    "created 1 h ahead": (422, "CLEARINGHOUSE_STATEMENT_MAX_SKEW", _at(timedelta(hours=1))),
    "created 400 s ahead": (422, "CLEARINGHOUSE_STATEMENT_MAX_SKEW", _at(timedelta(seconds=400))),
    "created 2 days ago": (422, "CLEARINGHOUSE_STATEMENT_MAX_AGE", _at(-timedelta(days=2))),
    "created in 1970": (422, "CLEARINGHOUSE_STATEMENT_MAX_AGE", _at(-(NOW - datetime(1970, 1, 2, tzinfo=UTC)))),
    "created in 9999": (422, "CLEARINGHOUSE_STATEMENT_MAX_SKEW", lambda w: _stated(w, "submission", [pdq_item(random_pdq())], "9999-12-31T23:59:59Z")),
    # 10. free text
    "note newline": (400, "note", _note("first line\nsecond line")),
    "note carriage return": (400, "note", _note("a\rb")),
    "note tab": (400, "note", _note("a\tb")),
    "note escape": (400, "control character", _note("\x1b[31mred")),
    "note NEL": (400, "control character", _note("a\x85b")),
    "note line separator": (400, "note", _note("a\u2028b")),
    "note RLO": (400, "note", _note("evil\u202egnp.exe")),
    "note LRE": (400, "note", _note("\u202aleft")),
    "note PDF": (400, "note", _note("x\u202c")),
    "note LRI": (400, "note", _note("\u2066isolate\u2069")),
    "note FSI": (400, "note", _note("\u2068first")),
    "retraction reason newline": (400, "reason", _reason("retraction", "gone\nreally")),
    "feedback reason RLO": (400, "reason", _reason("feedback", "ok\u202e")),
    "content_type script": (400, "content_type", _content_type("<script>alert(1)</script>")),
    "content_type with parameter": (400, "content_type", _content_type("image/jpeg; q=1")),
    "content_type upper case": (400, "content_type", _content_type("IMAGE/JPEG")),
    "content_type made up": (400, "content_type", _content_type("image/x-evil")),
    "content_type newline": (400, "content_type", _content_type("image/jpeg\n")),
    # 10. bodies that are not JSON
    "submission as text/plain": (415, "Content-Type", _typed("/v1/submissions", "text/plain")),
    "submission as a form": (415, "Content-Type", _typed("/v1/submissions", "application/x-www-form-urlencoded")),
    "submission without Content-Type": (415, "Content-Type", _typed("/v1/submissions", None)),
    "submission in latin-1": (415, "Content-Type", _typed("/v1/submissions", "application/json; charset=latin-1")),
    "match as text/plain": (415, "Content-Type", _typed("/v1/match", "text/plain")),
    "match as multipart": (415, "Content-Type", _typed("/v1/match", "multipart/form-data; boundary=x")),
    # 10. query parameters
    "match value twice": (400, "'value'", _get("/v1/match", [*_match_pairs(), ("value", "1" * 64)])),
    "match misspelt max_distance": (400, "'max_distnace'", _get("/v1/match", [*_match_pairs(), ("max_distnace", "3")])),
    "feed limit twice": (400, "'limit'", _get("/v1/signals", [("limit", "1"), ("limit", "1000")])),
    "feed unknown": (400, "'cursor'", _get("/v1/signals", [("cursor", "0")])),
    "entries unknown": (400, "'x'", _get("/v1/log/entries", [("start", "0"), ("end", "1"), ("x", "1")])),
    "labels with a parameter": (400, "'all'", _get("/v1/labels", [("all", "1")])),
    "checkpoint with a parameter": (400, "'x'", _get("/v1/log/checkpoint", [("x", "1")], signed=False)),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_refused_naming_the_field_and_nothing_changes(world, case):
    status, named, send = CASES[case]
    before = snapshot(world["root"].db)
    response = send(world)
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    text = json.dumps(problem)
    assert named in text
    if status == 422:
        assert problem["limit"] == named
        assert problem["type"].endswith("/limit-exceeded")
    assert snapshot(world["root"].db) == before


def test_the_accepted_forms_still_pass(world):
    a = world["a"]
    for content_type in ("image/png", "video/mp4", "text/plain"):
        assert content_type in CONTENT_TYPES
        item = pdq_item(random_pdq(), content_type=content_type, note="plain note; ünïcode")
        assert a.state("submission", [item]).status_code == 201
    assert _at(-timedelta(hours=23))(world).status_code == 201
    assert _at(timedelta(seconds=200))(world).status_code == 201
    ok = a.request("GET", "/v1/match?" + urlencode([*_match_pairs(), ("max_distance", "3")]))
    assert ok.status_code == 200
    typed = _typed("/v1/submissions", "application/json; charset=utf-8")(world)
    assert typed.status_code == 201


def test_the_same_envelope_again_gets_its_first_answer_however_old(world):
    created = (
        (datetime.now(UTC) - timedelta(hours=2))
        .isoformat(timespec="seconds")
        .replace("+00:00", "Z")
    )
    payload = json.dumps(
        {"member": "alpha", "created": created, "items": [pdq_item(random_pdq())]}
    ).encode()
    body = sign_envelope(PAYLOAD_TYPES["submission"], payload, world["a"].key).to_json()
    first = world["a"].request("POST", "/v1/submissions", body=body)
    assert first.status_code == 201
    root = world["root"]  # the operator raises the allowed age and restarts
    root.settings = root.settings.replace(statement_max_age=3600)
    again = world["a"].request("POST", "/v1/submissions", body=body)
    assert again.status_code == 201
    assert again.get_json() == first.get_json()
    assert _at(-timedelta(hours=2))(world).status_code == 422


def test_unauthenticated_requests_still_learn_only_401(world):
    client = world["a"].client
    assert client.post("/v1/submissions", data=b"x", content_type="text/plain").status_code == 401
    assert client.get("/v1/match?value=1&value=2&x=3").status_code == 401
