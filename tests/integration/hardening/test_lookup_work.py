"""The work of one lookup is bounded (issue #20.1, #20.7): the vPDQ distance ceiling, the
codes a request may search, the candidates a vPDQ frame may find, and the body of a
lookup. Each refusal names its limit; the requests just inside pass."""

from __future__ import annotations

import json

import pytest
from support import add_member, random_pdq

from clearinghouse.api import create_app
from clearinghouse.bootstrap import bootstrap

CODES = 50
CANDIDATES = 3
BODY = 16384


@pytest.fixture
def member(settings):
    root = bootstrap(
        settings.replace(
            match_max_codes=CODES,
            vpdq_max_candidates_per_frame=CANDIDATES,
            max_match_body_bytes=BODY,
        )
    )
    app = create_app(root=root)
    yield add_member(root.db, app.test_client(), "alpha")
    root.close()


def _match(member, body: dict):
    return member.request("POST", "/v1/match", body=json.dumps(body).encode())


def _frames(n: int, pdq: str | None = None) -> list[dict]:
    return [{"pdq": pdq or random_pdq(), "quality": 90, "timestamp": float(t)} for t in range(n)]


def _video(frames: list[dict]) -> dict:
    return {
        "signal_type": "vpdq",
        "value": frames,
        "content_type": "video/mp4",
        "labels": ["behaviour:glorification-of-terrorist-acts"],
    }


def _limit(r, status: int, name: str) -> None:
    assert r.status_code == status, r.json
    assert r.json["limit"] == name
    assert name in r.json["detail"]


def test_vpdq_frames_are_searched_within_31_at_most(member):
    ok = _match(
        member, {"queries": [{"signal_type": "vpdq", "value": _frames(2), "max_distance": 31}]}
    )
    assert ok.status_code == 200, ok.json
    r = _match(
        member, {"queries": [{"signal_type": "vpdq", "value": _frames(2), "max_distance": 63}]}
    )
    assert r.status_code == 400
    assert "max_distance" in json.dumps(r.json)


def test_a_request_over_the_code_budget_is_refused_before_the_search(member):
    assert (
        _match(member, {"queries": [{"signal_type": "vpdq", "value": _frames(CODES)}]}).status_code
        == 200
    )
    r = _match(member, {"queries": [{"signal_type": "vpdq", "value": _frames(CODES + 1)}]})
    _limit(r, 422, "CLEARINGHOUSE_MATCH_MAX_CODES")
    pdq = [{"signal_type": "pdq", "value": random_pdq()} for _ in range(CODES // 8)]
    assert _match(member, {"queries": pdq, "dihedral": True}).status_code == 200
    more = [*pdq, {"signal_type": "pdq", "value": random_pdq()}]
    _limit(
        _match(member, {"queries": more, "dihedral": True}), 422, "CLEARINGHOUSE_MATCH_MAX_CODES"
    )
    mixed = [{"signal_type": "vpdq", "value": _frames(CODES - 3)}, *pdq[:4]]
    _limit(_match(member, {"queries": mixed}), 422, "CLEARINGHOUSE_MATCH_MAX_CODES")


def test_a_frame_near_too_many_indexed_frames_ends_the_lookup(member):
    shared = random_pdq()
    videos = [_video(_frames(1, shared) + _frames(2)) for _ in range(CANDIDATES + 1)]
    assert member.state("submission", videos).status_code == 201
    r = _match(member, {"queries": [{"signal_type": "vpdq", "value": _frames(1, shared)}]})
    _limit(r, 422, "CLEARINGHOUSE_VPDQ_MAX_CANDIDATES_PER_FRAME")
    own = videos[0]["value"][1:]
    ok = _match(member, {"queries": [{"signal_type": "vpdq", "value": own}]})
    assert ok.status_code == 200, ok.json
    assert len(ok.json["results"][0]["matches"]) == 1


def test_a_lookup_body_over_its_ceiling_is_413_naming_it_and_statements_keep_theirs(member):
    queries = [{"signal_type": "pdq", "value": random_pdq()} for _ in range(200)]
    body = json.dumps({"queries": queries}).encode()
    assert len(body) > BODY
    r = member.request("POST", "/v1/match", body=body)
    _limit(r, 413, "CLEARINGHOUSE_MAX_MATCH_BODY_BYTES")
    videos = [_video(_frames(100)) for _ in range(2)]
    assert len(member.envelope("submission", videos)) > BODY
    assert member.state("submission", videos).status_code == 201


def test_a_vpdq_match_says_its_frame_shares_not_the_frame_list(member):
    frames = _frames(4)
    assert member.state("submission", [_video(frames)]).status_code == 201
    query = [*frames, *_frames(1)]  # the whole video and one frame of something else
    r = _match(member, {"queries": [{"signal_type": "vpdq", "value": query}]})
    assert r.status_code == 200, r.json
    (match,) = r.json["results"][0]["matches"]
    assert match["signal_type"] == "vpdq" and "value" not in match
    assert match["query_match_percent"] == 80.0
    assert match["compared_match_percent"] == 100.0
    assert match["distance"] == 20  # the share of query frames that matched nothing
