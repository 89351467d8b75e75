"""HammingIndex against a brute-force twin: random, adversarial and interleaved workloads."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearinghouse.index import HammingIndex
from clearinghouse.index.chunks import Layout, gph_thresholds

from .twins import (
    as_lists,
    brute_force,
    brute_force_limited,
    flip_bits,
    random_codes,
    spread_flips,
)

LAYOUTS = {
    "32x8": (8,) * 32,
    "20x13": (12, 13, 13, 13, 13) * 4,
    "16x16": (16,) * 16,
}


def _index(chunk_bits: tuple[int, ...] | None, **kw: object) -> HammingIndex:
    return HammingIndex(256, chunk_bits=chunk_bits, force_tables=True, **kw)  # type: ignore[arg-type]


def _planted(rng: np.random.Generator, base: np.ndarray, distances: list[int]) -> np.ndarray:
    """Copies of base with the given numbers of random bits flipped."""
    flips = [rng.choice(256, d, replace=False).tolist() for d in distances]
    return np.stack([flip_bits(base, bits) for bits in flips])


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_planted_neighbours_at_every_distance(name: str) -> None:
    rng = np.random.default_rng(7)
    base = random_codes(rng, 1)[0]
    codes = np.concatenate([random_codes(rng, 5_000), _planted(rng, base, list(range(48)))])
    ids = rng.permutation(codes.shape[0]).astype(np.int64) * 5 + 3
    index = _index(LAYOUTS[name])
    index.add(ids, codes)
    index.compact()
    live = dict(zip(ids.tolist(), codes, strict=True))
    for r in (0, 1, 5, 16, 31, 40):
        assert as_lists(index.search(base, r)) == brute_force(live, base, r)


@pytest.mark.parametrize("name", sorted(LAYOUTS))
@pytest.mark.parametrize("r", [3, 15, 31])
def test_worst_case_flip_spreads(name: str, r: int) -> None:
    """Codes at distance r found only through one chunk at its threshold, and at r + 1."""
    layout = Layout.from_widths(256, LAYOUTS[name])
    rng = np.random.default_rng(r)
    query = random_codes(rng, 1)[0]
    index = _index(LAYOUTS[name])
    background = random_codes(rng, 3_000)
    index.add(np.arange(3_000, dtype=np.int64) + 10_000, background)
    index.compact()
    t = gph_thresholds(layout.widths, r, len(index))
    live = {}
    for j in range(layout.nchunks):
        if t[j] < 0:
            continue
        # every other chunk one flip past its threshold, chunk j exactly at it: distance r
        at_threshold = [ti + 1 if i != j else ti for i, ti in enumerate(t)]
        live[j] = flip_bits(query, spread_flips(layout, at_threshold, rng))
        # every chunk one flip past its threshold: distance r + 1, must not match at r
        past = [ti + 1 for ti in t]
        live[1_000 + j] = flip_bits(query, spread_flips(layout, past, rng))
    # flips spread as evenly as possible over all chunks
    even = [r // layout.nchunks + (i < r % layout.nchunks) for i in range(layout.nchunks)]
    live[5_000] = flip_bits(query, spread_flips(layout, even, rng))
    ids = np.array(sorted(live), dtype=np.int64)
    index.add(ids, np.stack([live[i] for i in ids.tolist()]))
    index.compact()
    found = index.search(query, r)
    expected_ids = [i for i in ids.tolist() if i < 1_000 or i == 5_000]
    assert sorted(found.ids.tolist()) == expected_ids
    assert set(found.distances.tolist()) == {r}
    whole = {**live, **dict(zip(range(10_000, 13_000), background, strict=True))}
    assert as_lists(index.search(query, r + 1)) == brute_force(whole, query, r + 1)


def test_duplicates_and_clusters() -> None:
    rng = np.random.default_rng(3)
    centres = random_codes(rng, 8)
    members = [
        flip_bits(centres[k % 8], rng.choice(256, rng.integers(0, 20), replace=False).tolist())
        for k in range(4_000)
    ]
    codes = np.concatenate([np.stack(members), np.repeat(centres[:2], 50, axis=0)])
    ids = np.arange(codes.shape[0], dtype=np.int64)
    index = _index(LAYOUTS["20x13"])
    index.add(ids, codes)
    index.compact()
    live = dict(zip(ids.tolist(), codes, strict=True))
    queries = np.concatenate([centres, _planted(rng, centres[0], [5, 20, 31])])
    results = index.search_many(queries, 31)
    assert [as_lists(res) for res in results] == [brute_force(live, q, 31) for q in queries]


def test_batch_over_threads_matches_single_queries() -> None:
    rng = np.random.default_rng(4)
    codes = random_codes(rng, 20_000)
    index = HammingIndex(256, chunk_bits=LAYOUTS["16x16"], workers=2)
    index.add(np.arange(20_000), codes)
    index.compact()
    queries = _planted(rng, codes[17], [k % 32 for k in range(300)])
    batch = index.search_many(queries, 31)
    assert len(batch) == 300
    for q, res in zip(queries, batch, strict=True):
        assert as_lists(res) == as_lists(index.search(q, 31))


def test_small_sets_use_a_flat_scan_and_stay_exact() -> None:
    rng = np.random.default_rng(5)
    codes = random_codes(rng, 500)
    index = HammingIndex(256)
    index.add(np.arange(500), codes)
    index.compact()
    assert index._state.main.layout is None
    live = dict(enumerate(codes))
    q = flip_bits(codes[9], list(range(0, 256, 9)))
    assert as_lists(index.search(q, 31)) == brute_force(live, q, 31)


def test_64_bit_codes() -> None:
    rng = np.random.default_rng(6)
    codes = random_codes(rng, 5_000, nbytes=8)
    index = HammingIndex(64, chunk_bits=(16, 16, 16, 16), force_tables=True)
    index.add(np.arange(5_000), codes)
    index.compact()
    live = dict(enumerate(codes))
    for d in range(0, 20, 3):
        q = flip_bits(codes[d], rng.choice(64, d, replace=False).tolist())
        assert as_lists(index.search(q, 12)) == brute_force(live, q, 12)


def test_replacing_and_removing() -> None:
    rng = np.random.default_rng(8)
    codes = random_codes(rng, 3)
    index = _index(LAYOUTS["32x8"])
    index.add([1, 2], codes[:2])
    index.compact()
    index.add([1, 1], codes[1:3])  # the later of two codes for one id wins
    assert len(index) == 2
    assert as_lists(index.search(codes[2], 0)) == ([1], [0])
    assert as_lists(index.search(codes[0], 0)) == ([], [])
    index.remove([2, 99])
    assert len(index) == 1
    assert as_lists(index.search(codes[1], 0)) == ([], [])
    index.compact()
    assert len(index) == 1 and as_lists(index.search(codes[2], 0)) == ([1], [0])


def test_values_of_gives_each_live_code_from_main_part_and_delta() -> None:
    rng = np.random.default_rng(9)
    n = 5000  # above the table threshold: a main part with chunk tables
    index = HammingIndex(256, auto_compact=False)
    codes = random_codes(rng, n)
    index.add(np.arange(1, n + 1), codes)
    index.compact()
    live = dict(zip(range(1, n + 1), codes, strict=True))
    gone = rng.choice(n, 300, replace=False) + 1
    index.remove(gone)
    for i in gone.tolist():
        live.pop(i)
    fresh = random_codes(rng, 400)
    fresh_ids = np.concatenate(
        (rng.choice(sorted(live), 200, replace=False), np.arange(n + 1, n + 201))
    )
    index.add(fresh_ids, fresh)
    live.update(zip(fresh_ids.tolist(), fresh, strict=True))
    asked = np.concatenate((rng.permutation(np.arange(-2, n + 300)), [3, 3]))
    got, found = index.values_of(asked)
    assert found.tolist() == [i in live for i in asked.tolist()]
    for i, code, hit in zip(asked.tolist(), got, found.tolist(), strict=True):
        assert code.tolist() == (live[i].tolist() if hit else [0] * 32)


@pytest.mark.parametrize("first", [1, 2**32 - 2500])
def test_ids_narrow_or_wide_answer_alike(first: int) -> None:
    # Ids below 2^32 are kept as uint32, a part reaching past it as int64.
    rng = np.random.default_rng(10)
    codes = random_codes(rng, 5000)
    ids = np.arange(first, first + 5000, dtype=np.int64)
    index = HammingIndex(256, auto_compact=False)
    index.add(ids, codes)
    index.compact()
    live = dict(zip(ids.tolist(), codes, strict=True))
    for found, q in zip(index.search_many(codes[:20], 31), codes[:20], strict=True):
        assert found.ids.dtype == np.int64
        assert as_lists(found) == brute_force(live, q, 31)
    asked = np.array([-1, 0, first, first + 4999, first + 5000, 2**32, 2**40], np.int64)
    assert index.values_of(asked)[1].tolist() == [i in live for i in asked.tolist()]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda ix: ix.add([1], np.zeros((1, 31), np.uint8)), "32 bytes"),
        (lambda ix: ix.add([1, 2], np.zeros((1, 32), np.uint8)), "ids for"),
        (lambda ix: ix.add([1], np.zeros((1, 32), np.int64)), "uint8"),
        (lambda ix: ix.search(np.zeros(32, np.uint8), -1), "max_distance"),
        (lambda ix: ix.search(np.zeros(32, np.uint8), 257), "max_distance"),
        (lambda ix: ix.remove([[1]]), "one-dimensional"),
    ],
)
def test_bad_arguments_are_value_errors(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call(HammingIndex(256))  # type: ignore[operator]


OPS = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.lists(st.integers(0, 60), min_size=1, max_size=40)),
        st.tuples(st.just("remove"), st.lists(st.integers(0, 60), max_size=10)),
        st.tuples(st.just("compact"), st.just([])),
        st.tuples(st.just("search"), st.integers(0, 40)),
    ),
    max_size=25,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=OPS, seed=st.integers(0, 2**16), layout=st.sampled_from(sorted(LAYOUTS)))
def test_interleaved_operations_match_brute_force(
    ops: list[tuple[str, object]], seed: int, layout: str
) -> None:
    rng = np.random.default_rng(seed)
    # a tight cluster, so that many codes are near every query
    centre = random_codes(rng, 1)[0]
    index = _index(LAYOUTS[layout], delta_limit=30, auto_compact=False)
    live: dict[int, np.ndarray] = {}
    for op, arg in ops:
        if op == "add":
            ids = np.array(arg, dtype=np.int64)
            codes = _planted(rng, centre, rng.integers(0, 40, ids.size).tolist())
            index.add(ids, codes)
            for i, c in zip(ids.tolist(), codes, strict=True):
                live[i] = c
        elif op == "remove":
            index.remove(np.array(arg, dtype=np.int64))
            for i in arg:
                live.pop(i, None)
        elif op == "compact":
            index.compact()
        else:
            q = _planted(rng, centre, [int(arg) % 20])[0]
            assert as_lists(index.search(q, int(arg))) == brute_force(live, q, int(arg))
            limit = int(arg) % 5
            cut = index.search(q, int(arg), limit=limit)
            assert (*as_lists(cut), cut.total) == brute_force_limited(live, q, int(arg), limit)
        assert len(index) == len(live)
    q = _planted(rng, centre, [3])[0]
    assert as_lists(index.search(q, 31)) == brute_force(live, q, 31)


def test_lookups_during_compaction_never_error_or_miss() -> None:
    rng = np.random.default_rng(9)
    codes = random_codes(rng, 20_000)
    index = HammingIndex(256, chunk_bits=LAYOUTS["16x16"], auto_compact=False)
    index.add(np.arange(20_000), codes)
    queries = _planted(rng, codes[5], [0, 4, 12, 31])
    live = dict(enumerate(codes))
    expected = [brute_force(live, q, 31) for q in queries]
    stop, failures, rounds = threading.Event(), [], [0]

    def look() -> None:
        while not stop.is_set():
            try:
                got = [as_lists(res) for res in index.search_many(queries, 31)]
                if got != expected:
                    failures.append(got)
            except Exception as exc:  # pragma: no cover - reported below
                failures.append(exc)
            rounds[0] += 1

    reader = threading.Thread(target=look)
    reader.start()
    try:
        for k in range(6):
            # far-away codes come and go; the answers for the queries must not change
            extra = np.arange(100_000 + 500 * k, 100_000 + 500 * (k + 1))
            index.add(extra, random_codes(rng, 500))
            index.remove(extra[::2])
            index.remove(np.arange(10_000 + 10 * k, 10_000 + 10 * (k + 1)))
            index.compact()
    finally:
        stop.set()
        reader.join()
    assert failures == []
    assert rounds[0] > 0


def test_background_compaction_starts_past_the_delta_limit() -> None:
    rng = np.random.default_rng(10)
    codes = random_codes(rng, 6_000)
    index = HammingIndex(256, chunk_bits=LAYOUTS["16x16"], delta_limit=1_000)
    for start in range(0, 6_000, 500):
        index.add(np.arange(start, start + 500), codes[start : start + 500])
    index.wait_for_compaction()
    index.compact()
    assert len(index._state.main) == 6_000
    assert index._state.delta_ids.size == 0
    live = dict(enumerate(codes))
    assert as_lists(index.search(codes[123], 31)) == brute_force(live, codes[123], 31)
