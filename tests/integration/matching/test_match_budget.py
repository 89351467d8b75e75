"""Bounded answers (DESIGN §11): at most MAX_MATCHES_PER_QUERY matches per query, nearest
first, with truncated/total when more exist; vPDQ lookups bounded in frames. Checked
against a brute-force scan of what was submitted."""

import json

import pytest
from support import add_member, pdq_item, random_pdq

from clearinghouse.api import create_app
from clearinghouse.bootstrap import bootstrap

LIMIT = 4


def _flip(value: str, bits) -> str:
    n = int(value, 16)
    for b in bits:
        n ^= 1 << b
    return f"{n:064x}"


def _hamming(a: str, b: str) -> int:
    return bin(int(a, 16) ^ int(b, 16)).count("1")


@pytest.fixture
def member(settings):
    root = bootstrap(settings.replace(max_matches_per_query=LIMIT, vpdq_max_query_frames=3))
    app = create_app(root=root)
    app.config["TESTING"] = True
    yield add_member(root.db, app.test_client(), "alpha")
    root.close()


def _match(member, body: dict):
    return member.request("POST", "/v1/match", body=json.dumps(body).encode())


def test_a_cluster_larger_than_the_budget_answers_the_nearest_and_the_total(member):
    base = random_pdq()
    cluster = [_flip(base, range(2 * k)) for k in range(9)]  # distances 0, 2, …, 16
    far = [random_pdq() for _ in range(20)]
    assert member.state("submission", [pdq_item(v) for v in cluster + far]).status_code == 201
    queries = [
        {"signal_type": "pdq", "value": base},
        {"signal_type": "pdq", "value": base, "max_distance": 4},  # 3 within: not cut
        {"signal_type": "pdq", "value": _flip(base, [200])},
    ]
    r = _match(member, {"queries": queries})
    assert r.status_code == 200, r.json
    for q, result in zip(queries, r.json["results"], strict=True):
        limit = q.get("max_distance", 31)
        within = sorted(
            (_hamming(q["value"], v), v) for v in cluster + far if _hamming(q["value"], v) <= limit
        )
        got = [(m["distance"], m["value"]) for m in result["matches"]]
        assert got == within[:LIMIT]
        if len(within) > LIMIT:
            assert result["truncated"] is True and result["total"] == len(within)
        else:
            assert "truncated" not in result and "total" not in result


def test_dihedral_forms_are_bounded_too(member):
    base = random_pdq()
    cluster = [_flip(base, range(2 * k)) for k in range(7)]
    assert member.state("submission", [pdq_item(v) for v in cluster]).status_code == 201
    r = _match(member, {"queries": [{"signal_type": "pdq", "value": base}], "dihedral": True})
    assert r.status_code == 200, r.json
    (result,) = r.json["results"]
    assert [m["distance"] for m in result["matches"]] == [0, 2, 4, 6]
    assert result["truncated"] is True and result["total"] >= 7


def _frames(n: int) -> list[dict]:
    return [{"pdq": random_pdq(), "quality": 90, "timestamp": float(t)} for t in range(n)]


def test_a_vpdq_lookup_over_the_frame_budget_is_refused_naming_the_query(member):
    ok = _match(member, {"queries": [{"signal_type": "vpdq", "value": _frames(3)}]})
    assert ok.status_code == 200, ok.json
    r = _match(member, {"queries": [{"signal_type": "vpdq", "value": _frames(4)}]})
    assert r.status_code == 400
    assert r.json["errors"] == [
        {"index": 0, "field": "value", "reason": "4 frames; at most 3 per vPDQ query"}
    ]
