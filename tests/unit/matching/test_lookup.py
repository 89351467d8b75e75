"""The lookup on fakes (an index set and region aliases that scan, states as dicts): no
database, no faiss. What ``lookup.match`` itself decides — forms merged per query,
nearest first then by id, cut to the limit and said so, refused over the work budget,
found through a region, TMK scores — against answers worked out by hand."""

from __future__ import annotations

import random

import pytest

from clearinghouse.errors import LimitExceeded
from clearinghouse.index import TooManyCandidates
from clearinghouse.services.use_cases.lookup import match
from clearinghouse.services.use_cases.lookup_limits import LookupLimits
from clearinghouse.services.use_cases.match_query import Query
from clearinghouse.signals.dihedral import dihedral_variants
from clearinghouse.signals.registry import default_registry
from clearinghouse.signals.types import Signal
from tests.unit.matching.fakes import DictStates, ScanningIndexSet, ScanningRegions

REGISTRY = default_registry()
LIMITS = LookupLimits(max_matches_per_query=100, confirm_threshold=2, match_max_codes=1000)


def _pdq(rng: random.Random) -> str:
    return rng.randbytes(32).hex()


def _flipped(hex_value: str, bits: int, rng: random.Random) -> str:
    raw = bytearray(bytes.fromhex(hex_value))
    for bit in rng.sample(range(256), bits):
        raw[bit // 8] ^= 1 << (bit % 8)
    return raw.hex()


def _world(*held: tuple[int, Signal]) -> tuple[ScanningIndexSet, DictStates]:
    index_set, states = ScanningIndexSet(REGISTRY), DictStates()
    for sid, signal in held:
        index_set.add(sid, signal)
        states.hold(sid, signal)
    return index_set, states


def _pairs(answer, n: int = 0) -> list[tuple[int, int]]:
    return [(m["signal_id"], m["distance"]) for m in answer.results[n]["matches"]]


def test_dihedral_forms_merge_into_one_answer_at_each_signals_nearest_distance():
    rng = random.Random(1)
    query = _pdq(rng)
    variants = dihedral_variants(query)
    rotated = variants["rotate90"]
    near = _flipped(query, 3, rng)
    index_set, states = _world(
        (1, Signal("pdq", rotated, 90)), (2, Signal("pdq", near, 90)), (3, Signal("pdq", query, 90))
    )
    q = Query(Signal("pdq", query), 31)
    plain = match(index_set, states, LIMITS, [q])
    assert _pairs(plain) == [(3, 0), (2, 3)]  # the rotation is far from the query itself
    index_set.batches.clear()
    turned = match(index_set, states, LIMITS, [q], dihedral=True)
    assert _pairs(turned) == [(1, 0), (3, 0), (2, 3)]  # each signal once, at its nearest
    forms = len(set(variants.values()))
    assert index_set.batches == [("pdq", 31, forms)]  # every form in one batch
    assert "truncated" not in turned.results[0] and turned.matched == 1


def test_matches_come_nearest_first_then_by_signal_id():
    rng = random.Random(2)
    query = _pdq(rng)
    rotated = dihedral_variants(query)["rotate90"]
    held = [(9, query, 2), (5, query, 5), (7, query, 0), (4, rotated, 2), (1, rotated, 2)]
    index_set, states = _world(
        *((sid, Signal("pdq", _flipped(base, d, rng))) for sid, base, d in held)
    )
    # The identity form finds 9 first, the rotation 1 and 4 after it: ties go by id.
    answer = match(index_set, states, LIMITS, [Query(Signal("pdq", query), 31)], dihedral=True)
    assert _pairs(answer) == [(7, 0), (1, 2), (4, 2), (9, 2), (5, 5)]


def test_a_query_with_more_matches_than_the_limit_is_cut_and_says_how_many():
    rng = random.Random(3)
    query = _pdq(rng)
    index_set, states = _world(
        *((sid, Signal("pdq", _flipped(query, sid, rng))) for sid in range(6))
    )
    far = Query(Signal("pdq", _pdq(rng)), 10)  # finds nothing: answered, not cut
    limits = LookupLimits(max_matches_per_query=2, confirm_threshold=2, match_max_codes=1000)
    answer = match(index_set, states, limits, [Query(Signal("pdq", query), 31), far])
    assert _pairs(answer) == [(0, 0), (1, 1)]
    assert answer.results[0]["truncated"] is True and answer.results[0]["total"] == 6
    assert answer.results[1] == {"matches": []}
    assert answer.matched == 1


def test_dihedral_forms_cut_say_the_largest_count_of_one_form():
    rng = random.Random(4)
    query = _pdq(rng)
    index_set, states = _world(
        *((sid, Signal("pdq", _flipped(query, sid, rng))) for sid in range(5))
    )
    limits = LookupLimits(max_matches_per_query=3, confirm_threshold=2, match_max_codes=1000)
    answer = match(index_set, states, limits, [Query(Signal("pdq", query), 31)], dihedral=True)
    assert _pairs(answer) == [(0, 0), (1, 1), (2, 2)]
    assert answer.results[0]["total"] == 5  # the identity form's count; others found none


def test_answers_keep_query_order_and_show_each_signals_state():
    rng = random.Random(5)
    a, b = _pdq(rng), _pdq(rng)
    index_set, states = _world(
        (1, Signal("pdq", a)), (2, Signal("pdq", b)), (3, Signal("md5", "ab" * 16))
    )
    states.held[2]["contributors"] = 2
    marked = []
    queries = [
        Query(Signal("md5", "ab" * 16), 0),
        Query(Signal("pdq", b), 0),
        Query(Signal("pdq", a), 0),
    ]
    answer = match(index_set, states, LIMITS, queries, mark=marked.append)
    assert [_pairs(answer, n) for n in range(3)] == [[(3, 0)], [(2, 0)], [(1, 0)]]
    assert [r["matches"][0]["confirmed"] for r in answer.results] == [False, True, False]
    assert all(r["matches"][0]["via"] == "signal" for r in answer.results)
    assert states.asked == [[1, 2, 3]] and sorted(marked[0]) == [1, 2, 3]


def test_a_signal_whose_state_is_not_active_is_left_out():
    rng = random.Random(6)
    value = _pdq(rng)
    index_set, states = _world((1, Signal("pdq", value)), (2, Signal("pdq", value)))
    states.held[2]["status"] = "retracted"  # the state moved on before the index
    answer = match(index_set, states, LIMITS, [Query(Signal("pdq", value), 0)])
    assert _pairs(answer) == [(1, 0)]


def test_a_match_through_a_region_only_says_so():
    rng = random.Random(7)
    query = _pdq(rng)
    index_set, states = _world(
        (1, Signal("pdq", _pdq(rng), 90)),  # its own code is far; a crop of it is the query
        (2, Signal("pdq", _flipped(query, 2, rng), 90)),  # near by its own code …
    )
    regions = ScanningRegions()
    regions.codes[1] = [bytes.fromhex(_flipped(query, 1, rng))]
    regions.codes[2] = [bytes.fromhex(_flipped(query, 6, rng))]  # … farther by its region
    q = Query(Signal("pdq", query), 31)
    answer = match(index_set, states, LIMITS, [q], regions=regions)
    vias = [(m["signal_id"], m["distance"], m["via"]) for m in answer.results[0]["matches"]]
    assert vias == [(1, 1, "region"), (2, 2, "signal")]
    md5 = Query(Signal("md5", "cd" * 16), 0)  # a type without regions never asks them
    assert match(index_set, states, LIMITS, [md5], regions=regions).results == [{"matches": []}]


CODES = {  # (queries, dihedral) → codes searched
    "one PDQ": ([Query(Signal("pdq", "00" * 32), 31)], False, 1),
    "a PDQ with dihedral": ([Query(Signal("pdq", "00" * 32), 31)], True, 8),
    "an MD5 with dihedral": ([Query(Signal("md5", "00" * 16), 0)], True, 1),
    "a vPDQ of three frames": (
        [
            Query(
                REGISTRY.parse(
                    "vpdq", [{"pdq": "ab" * 32, "quality": 90, "timestamp": t} for t in (0, 1, 2)]
                ),
                31,
            )
        ],
        False,
        3,
    ),
}


@pytest.mark.parametrize("queries, dihedral, codes", CODES.values(), ids=CODES.keys())
def test_a_request_over_its_work_budget_is_refused_before_any_search(queries, dihedral, codes):
    index_set, states = _world()
    within = LookupLimits(max_matches_per_query=10, confirm_threshold=2, match_max_codes=codes)
    over = LookupLimits(max_matches_per_query=10, confirm_threshold=2, match_max_codes=codes - 1)
    if REGISTRY.get(queries[0].signal.signal_type).closeness == "distance":
        match(index_set, states, within, queries, dihedral=dihedral)  # exactly the budget
    with pytest.raises(LimitExceeded) as refused:
        index_set.batches.clear()
        match(index_set, states, over, queries, dihedral=dihedral)
    assert refused.value.limit == "CLEARINGHOUSE_MATCH_MAX_CODES" and index_set.batches == []


def test_too_many_candidates_for_a_frame_is_refused_as_over_the_limit():
    index_set, states = _world()
    index_set.failure = TooManyCandidates(900, 500)
    with pytest.raises(LimitExceeded) as refused:
        match(index_set, states, LIMITS, [Query(Signal("pdq", "00" * 32), 31)])
    assert refused.value.limit == "CLEARINGHOUSE_VPDQ_MAX_CANDIDATES_PER_FRAME"


def test_tmk_matches_carry_both_scores_as_the_reference_prints_them():
    video = Signal("tmk", "<features>")  # the fake scores by id, not by value
    index_set, states = _world((1, video), (2, video), (3, video))
    index_set.scores = {1: (0.91234567, 0.8), 2: (0.95, 0.93333333), 3: (0.99, 0.6)}
    answer = match(index_set, states, LIMITS, [Query(video, 0, (0.7, 0.7))])
    shown = [
        (m["signal_id"], m["distance"], m["level1_score"], m["level2_score"])
        for m in answer.results[0]["matches"]
    ]
    assert shown == [(2, 67, 0.95, 0.933333), (1, 200, 0.912346, 0.8)]  # 3: level 2 too low
