"""Strict input, end to end: every malformed body, envelope, payload and query parameter
is a 400 (or 404 for a path) problem+json, never a 500, and changes nothing — not the
state, not the log. A table of named cases, then Hypothesis with arbitrary bytes and
arbitrary JSON (bounded by max_examples)."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from support import add_member, now_rfc3339, pdq_item, random_pdq

from clearinghouse.crypto import sign_envelope
from clearinghouse.store.models import Base
from clearinghouse.wire import PAYLOAD_TYPES

PROBLEM = "application/problem+json"
SUBMISSION = PAYLOAD_TYPES["submission"]


def snapshot(db) -> dict[str, int]:
    """Row counts of every table but the replay cache: what a refusal must not change."""
    with db.read() as s:
        return {
            t.name: s.scalar(select(func.count()).select_from(t))
            for t in Base.metadata.sorted_tables
            if t.name != "replay_cache"
        }


@pytest.fixture
def alpha(db, client):
    member = add_member(db, client, "alpha")
    assert member.state("submission", [pdq_item(random_pdq())]).status_code == 201
    return member


def _payload_envelope(member, raw_payload: bytes, key=None) -> bytes:
    return sign_envelope(SUBMISSION, raw_payload, key or member.key).to_json()


def _payload(items=None, **extra) -> dict:
    return {
        "member": "alpha",
        "created": now_rfc3339(),
        "items": items or [pdq_item(random_pdq())],
        **extra,
    }


def _item_json(**extra) -> str:
    return json.dumps({**pdq_item(random_pdq()), **extra})


PAYLOADS = {
    "duplicate-member": lambda: (
        b'{"member":"alpha","member":"alpha","created":"%s","items":[%s]}'
        % (now_rfc3339().encode(), _item_json().encode())
    ),
    "utf-16": lambda: json.dumps(_payload()).encode("utf-16"),
    "utf-8-bom": lambda: b"\xef\xbb\xbf" + json.dumps(_payload()).encode(),
    "latin-1": lambda: (
        json.dumps(_payload(items=[pdq_item(random_pdq(), note="caf\xe9")]))
        .encode()
        .replace(b"caf\\u00e9", b"caf\xe9")
    ),
    "unknown-item-field": lambda: json.dumps(
        _payload(items=[{**pdq_item(random_pdq()), "junk": "x" * 10_000}])
    ).encode(),
    "unknown-payload-field": lambda: json.dumps(_payload(extra_field=1)).encode(),
    "nul-in-note": lambda: json.dumps(_payload([pdq_item(random_pdq(), note="a\x00b")])).encode(),
    "lone-surrogate-in-note": lambda: (
        json.dumps(_payload())
        .encode()
        .replace(b'"items"', b'"items"', 1)
        .replace(
            b'"content_type": "image/jpeg"', b'"content_type": "image/jpeg", "note": "\\ud800"'
        )
    ),
    "escape-in-content-type": lambda: json.dumps(
        _payload([pdq_item(random_pdq(), content_type="image/jpeg\u0085")])
    ).encode(),
    "quality-above-2^53": lambda: (
        json.dumps(_payload()).replace('"quality": 90', '"quality": 9007199254740993').encode()
    ),
    "5000-digit-number": lambda: (
        json.dumps(_payload()).replace('"quality": 90', '"quality": 1' + "0" * 5000).encode()
    ),
    "nan": lambda: json.dumps(_payload()).replace('"quality": 90', '"quality": NaN').encode(),
    "deep-nesting": lambda: json.dumps(
        _payload([pdq_item(random_pdq(), note=[[[[[["x"]]]]]])])
    ).encode(),
    "very-deep-nesting": lambda: (
        b'{"member":"alpha","items":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    ),
    "member-with-newline": lambda: json.dumps({**_payload(), "member": "alpha\n"}).encode(),
    "label-with-newline": lambda: json.dumps(
        _payload([pdq_item(random_pdq(), labels=["behaviour:glorification-of-terrorist-acts\n"])])
    ).encode(),
    "not-an-object": lambda: b"[]",
    "trailing-garbage": lambda: json.dumps(_payload()).encode() + b"x",
}


@pytest.mark.parametrize("case", sorted(PAYLOADS))
def test_a_malformed_payload_is_refused_and_changes_nothing(db, alpha, case):
    before = snapshot(db)
    body = _payload_envelope(alpha, PAYLOADS[case]())
    r = alpha.request("POST", "/v1/submissions", body=body)
    assert r.status_code in (400, 403), (case, r.status_code, r.get_data(as_text=True)[:300])
    assert r.mimetype == PROBLEM
    assert snapshot(db) == before


def _envelope_dict(alpha) -> dict:
    return json.loads(_payload_envelope(alpha, json.dumps(_payload()).encode()))


ENVELOPES = {
    "second-junk-signature": lambda d: {
        **d,
        "signatures": d["signatures"]
        + [{"keyid": "junk", "sig": base64.b64encode(b"x" * 64).decode()}],
    },
    "same-signature-twice": lambda d: {**d, "signatures": d["signatures"] * 2},
    "unknown-envelope-field": lambda d: {**d, "note": "unsigned"},
    "unknown-signature-field": lambda d: {
        **d,
        "signatures": [{**d["signatures"][0], "cert": "x"}],
    },
}


@pytest.mark.parametrize("case", sorted(ENVELOPES))
def test_an_envelope_with_more_than_the_dsse_fields_is_refused(db, alpha, case):
    before = snapshot(db)
    body = json.dumps(ENVELOPES[case](_envelope_dict(alpha))).encode()
    r = alpha.request("POST", "/v1/submissions", body=body)
    assert r.status_code == 400 and r.mimetype == PROBLEM, r.get_data(as_text=True)
    assert snapshot(db) == before


RAW_BODIES = {
    "duplicate-envelope-field": b'{"payloadType":"a","payloadType":"b","payload":"",'
    b'"signatures":[]}',
    "utf-16-envelope": json.dumps({"payloadType": SUBMISSION}).encode("utf-16"),
    "deep-envelope": b"[" * 200_000,
    "huge-number": b'{"payloadType": 1' + b"0" * 5000 + b"}",
    "lone-surrogate": b'{"payloadType": "\\udc00", "payload": "", "signatures": []}',
    "nul": b'{"payloadType": "\\u0000", "payload": "", "signatures": []}',
    "empty": b"",
    "not-json": b"\xff\xfe\x00",
}


@pytest.mark.parametrize(
    "path", ["/v1/submissions", "/v1/retractions", "/v1/feedback", "/v1/match", "/v1/keys"]
)
@pytest.mark.parametrize("case", sorted(RAW_BODIES))
def test_a_malformed_body_is_refused_on_every_json_endpoint(db, alpha, path, case):
    before = snapshot(db)
    r = alpha.request("POST", path, body=RAW_BODIES[case])
    assert r.status_code == 400 and r.mimetype == PROBLEM, (path, case, r.status_code)
    assert snapshot(db) == before


QUERIES = [
    ("/v1/signals", {"after": "1.5.2"}),
    ("/v1/signals", {"after": "0.1e3"}),
    ("/v1/signals", {"after": "99999999999999999999.1"}),
    ("/v1/signals", {"after": "1. 2"}),
    ("/v1/signals", {"after": "1_0.2"}),
    ("/v1/signals", {"after": "１.２"}),
    ("/v1/signals", {"limit": "1.5"}),
    ("/v1/signals", {"limit": "99999999999999999999"}),
    ("/v1/signals", {"limit": "1e3"}),
    ("/v1/signals", {"after": "0.0\x00"}),
    ("/v1/log/entries", {"start": "0", "end": str(2**63)}),
    ("/v1/log/entries", {"start": str(2**64), "end": str(2**64 + 1)}),
    ("/v1/log/entries", {"start": "-0.5", "end": "1"}),
    ("/v1/log/proof/inclusion", {"index": "0", "tree_size": str(2**63 + 5)}),
    ("/v1/log/proof/consistency", {"first": "1", "second": "1" * 30}),
    ("/v1/match", {"signal_type": "pdq", "value": "ab\x00"}),
    ("/v1/match", {"signal_type": "pdq\x00", "value": "ab"}),
    ("/v1/match", {"signal_type": "pdq", "value": random_pdq(), "max_distance": str(2**64)}),
    ("/v1/match", {"signal_type": "pdq", "value": random_pdq(), "max_distance": "1.5"}),
]


@pytest.mark.parametrize(("path", "query"), QUERIES, ids=[f"{p}?{q}" for p, q in QUERIES])
def test_a_malformed_query_parameter_is_400(db, alpha, path, query):
    before = snapshot(db)
    r = alpha.request("GET", path, query=query)
    assert r.status_code == 400 and r.mimetype == PROBLEM, (r.status_code, r.get_data(as_text=True))
    assert snapshot(db) == before


@pytest.mark.parametrize(
    "path", [f"/v1/signals/{2**63}", f"/v1/signals/{2**64}", "/v1/signals/1" + "0" * 40]
)
def test_an_id_beyond_64_bits_in_a_path_is_404(db, alpha, path):
    r = alpha.request("GET", path)
    assert r.status_code == 404 and r.mimetype == PROBLEM


def test_the_same_statement_reencoded_is_stored_once(db, alpha):
    payload = json.dumps(_payload()).encode()
    envelope = sign_envelope(SUBMISSION, payload, alpha.key).to_dict()
    first = alpha.request("POST", "/v1/submissions", body=json.dumps(envelope).encode())
    assert first.status_code == 201
    before = snapshot(db)
    # Other key order, whitespace and the URL-safe unpadded base64 alphabet: same content.
    again = {
        "signatures": [
            {
                "sig": base64.urlsafe_b64encode(base64.b64decode(envelope["signatures"][0]["sig"]))
                .decode()
                .rstrip("="),
                "keyid": envelope["signatures"][0]["keyid"],
            }
        ],
        "payload": base64.urlsafe_b64encode(payload).decode().rstrip("="),
        "payloadType": SUBMISSION,
    }
    second = alpha.request("POST", "/v1/submissions", body=json.dumps(again, indent=3).encode())
    assert second.status_code == 201
    assert second.json == first.json
    assert snapshot(db) == before


FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(
    body=st.binary(max_size=600),
    path=st.sampled_from(["/v1/submissions", "/v1/match", "/v1/keys", "/v1/feedback"]),
)
def test_arbitrary_bytes_never_give_a_500_nor_change_anything(db, alpha, body, path):
    before = snapshot(db)
    r = alpha.request("POST", path, body=body)
    assert r.status_code < 500 and r.status_code != 201, r.get_data(as_text=True)
    assert r.mimetype == PROBLEM
    assert snapshot(db) == before


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)


@FUZZ
@given(payload=JSON)
def test_arbitrary_json_payloads_never_give_a_500_nor_change_anything(db, alpha, payload):
    before = snapshot(db)
    raw = json.dumps(payload).encode()
    r = alpha.request("POST", "/v1/submissions", body=_payload_envelope(alpha, raw))
    assert r.status_code in (400, 403), r.get_data(as_text=True)
    assert snapshot(db) == before


@FUZZ
@given(
    item=st.dictionaries(
        st.sampled_from(["signal_type", "value", "quality", "content_type", "labels", "note", "x"]),
        JSON,
        max_size=7,
    )
)
def test_arbitrary_items_never_give_a_500_nor_change_anything(db, alpha, item):
    before = snapshot(db)
    raw = json.dumps(_payload([item])).encode()
    r = alpha.request("POST", "/v1/submissions", body=_payload_envelope(alpha, raw))
    assert r.status_code in (400, 201), r.get_data(as_text=True)
    if r.status_code == 400:
        assert snapshot(db) == before


@FUZZ
@given(
    query=st.dictionaries(
        st.sampled_from(["signal_type", "value", "max_distance", "dihedral", "after", "limit"]),
        st.text(max_size=30),
        max_size=4,
    ),
    path=st.sampled_from(["/v1/match", "/v1/signals"]),
)
def test_arbitrary_query_strings_never_give_a_500(db, alpha, query, path):
    before = snapshot(db)
    r = alpha.request("GET", path, query=query)
    assert r.status_code < 500, r.get_data(as_text=True)
    assert snapshot(db) == before
