"""Lookups through the API against a brute-force scan of what was submitted."""

import secrets

import pytest
from support import add_member, pdq_item, random_pdq


def flip(hexvalue: str, bits: list[int]) -> str:
    n = int(hexvalue, 16)
    for b in bits:
        n ^= 1 << b
    return f"{n:064x}"


def hamming(a: str, b: str) -> int:
    return bin(int(a, 16) ^ int(b, 16)).count("1")


@pytest.fixture
def member(db, client):
    return add_member(db, client, "alpha")


def test_match_finds_every_signal_within_distance_in_order(member):
    base = random_pdq()
    stored = [base, flip(base, [1, 2, 3]), flip(base, list(range(0, 60, 2)))] + [
        random_pdq() for _ in range(50)
    ]
    r = member.state("submission", [pdq_item(v) for v in stored])
    assert r.status_code == 201
    queries = [
        {"signal_type": "pdq", "value": base},
        {"signal_type": "pdq", "value": base, "max_distance": 5},
    ]
    r = member.request("POST", "/v1/match", body=_json({"queries": queries}))
    assert r.status_code == 200, r.json
    for q, result in zip(queries, r.json["results"], strict=True):
        limit = q.get("max_distance", 31)
        expected = sorted((hamming(base, v), v) for v in stored if hamming(base, v) <= limit)
        got = [(m["distance"], m["value"]) for m in result["matches"]]
        assert got == expected
    first = r.json["results"][0]["matches"][0]
    assert first["labels"] == {"behaviour:glorification-of-terrorist-acts": 1}
    assert first["confirmed"] is False and first["disputed"] is False


def test_get_match_and_exact_types(member):
    md5 = secrets.token_hex(16)
    member.state(
        "submission",
        [
            {
                "signal_type": "md5",
                "value": md5.upper(),
                "content_type": "video/mp4",
                "labels": ["behaviour:graphic-violence-against-defenseless-people"],
            }
        ],
    )
    r = member.request("GET", "/v1/match", query={"signal_type": "md5", "value": md5})
    assert r.status_code == 200, r.json
    assert [m["value"] for m in r.json["results"][0]["matches"]] == [md5]
    r = member.request("GET", "/v1/match", query={"signal_type": "md5", "value": "0" * 32})
    assert r.json["results"][0]["matches"] == []


def test_retracted_signals_no_longer_match(member):
    value = random_pdq()
    member.state("submission", [pdq_item(value)])
    member.state(
        "retraction", [{"signal_type": "pdq", "value": value, "reason": "x", "quality": 90}]
    )
    r = member.request("GET", "/v1/match", query={"signal_type": "pdq", "value": value})
    assert r.json["results"][0]["matches"] == []


def _json(obj) -> bytes:
    import json

    return json.dumps(obj).encode()


@pytest.mark.parametrize(
    ("body", "index"),
    [
        ({"queries": [{"signal_type": "tlsh", "value": "00"}]}, 0),
        ({"queries": [{"signal_type": "pdq", "value": "xyz"}]}, 0),
        (
            {
                "queries": [
                    {"signal_type": "pdq", "value": "0" * 64},
                    {"signal_type": "pdq", "value": "0" * 64, "max_distance": 99},
                ]
            },
            1,
        ),
        ({"queries": [{"signal_type": "pdq", "value": "0" * 64, "max_distance": -1}]}, 0),
        ({"queries": [{"signal_type": "vpdq", "value": []}]}, 0),
        ({"queries": [{"signal_type": "pdq", "value": "0" * 64}] * 1001}, None),
        ({"queries": []}, None),
        ({"queries": [{"signal_type": "pdq", "value": "0" * 64}], "dihedral": "yes"}, None),
    ],
)
def test_bad_queries_are_400_naming_the_query(member, body, index):
    r = member.request("POST", "/v1/match", body=_json(body))
    assert r.status_code == 400, r.json
    assert r.mimetype == "application/problem+json"
    if index is not None:
        assert index in {e["index"] for e in r.json["errors"]}


def test_dihedral_lookup_finds_rotations_and_mixed_batches_keep_order(member):
    from clearinghouse.signals import dihedral_variants

    original = random_pdq()
    rotated = dihedral_variants(original)["rotate90"]
    md5 = secrets.token_hex(16)
    phash = secrets.token_hex(8)
    member.state(
        "submission",
        [
            pdq_item(rotated),
            {
                "signal_type": "md5",
                "value": md5,
                "content_type": "video/mp4",
                "labels": ["behaviour:imminent-credible-threat"],
            },
            {
                "signal_type": "phash",
                "value": phash,
                "content_type": "image/png",
                "labels": ["behaviour:imminent-credible-threat"],
            },
        ],
    )
    queries = [
        {"signal_type": "phash", "value": phash},
        {"signal_type": "pdq", "value": original, "max_distance": 0},
        {"signal_type": "md5", "value": md5},
        {"signal_type": "pdq", "value": random_pdq()},
    ]
    plain = member.request("POST", "/v1/match", body=_json({"queries": queries})).json
    assert [len(r["matches"]) for r in plain["results"]] == [1, 0, 1, 0]
    turned = member.request(
        "POST", "/v1/match", body=_json({"queries": queries, "dihedral": True})
    ).json
    assert [len(r["matches"]) for r in turned["results"]] == [1, 1, 1, 0]
    assert turned["results"][1]["matches"][0]["value"] == rotated
    assert turned["results"][1]["matches"][0]["distance"] == 0
