"""Every index kind behind the one SignalIndex protocol, and the per-query limit and total."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from clearinghouse.index import ExactIndex, HammingIndex, Matches, SignalIndex, VpdqIndex

from .twins import as_lists, brute_force, brute_force_limited, flip_bits, random_codes


def _values(kind: str, rng: np.random.Generator, n: int) -> list[object]:
    if kind == "exact":
        return [bytes(v) for v in random_codes(rng, n, nbytes=16)]
    if kind == "hamming":
        return [bytes(v) for v in random_codes(rng, n)]
    return [random_codes(rng, int(rng.integers(1, 6))) for _ in range(n)]


def _make(kind: str) -> SignalIndex:
    if kind == "exact":
        return ExactIndex(16)
    if kind == "hamming":
        return HammingIndex(256)
    return VpdqIndex()


@pytest.mark.parametrize("kind", ["exact", "hamming", "vpdq"])
def test_one_protocol_for_every_kind(kind: str, tmp_path: Path) -> None:
    """add, remove, search_many with a limit, memory, save and load — the same calls."""
    rng = np.random.default_rng(31)
    index = _make(kind)
    assert isinstance(index, SignalIndex)
    empty_memory = index.memory_bytes
    values = _values(kind, rng, 40)
    index.add(list(range(40)), values)
    index.add([7, 50], [values[3], values[3]])  # id 7 moves to value 3; 50 shares it
    index.remove([1, 999])
    assert len(index) == 40
    assert index.memory_bytes > empty_memory
    found = index.search_many([values[3], values[1]], 0)
    assert all(isinstance(m, Matches) for m in found) and len(found) == 2
    assert (found[0].ids.tolist(), found[0].distances.tolist()) == ([3, 7, 50], [0, 0, 0])
    assert not found[0].truncated and found[0].total == 3
    assert found[1].total == 0 and found[1].ids.size == 0
    cut = index.search_many([values[3]], 0, limit=2)[0]
    assert (cut.ids.tolist(), cut.total, cut.truncated) == ([3, 7], 3, True)
    assert index.search_many([values[3]], 0, limit=0)[0].pairs() == []
    assert index.search_many([], 0) == []
    index.save(tmp_path / kind, 17)
    loaded, position = type(index).load(tmp_path / kind)
    assert position == 17 and len(loaded) == 40
    again = loaded.search_many([values[3]], 0)[0]
    assert again.pairs() == found[0].pairs()


@pytest.mark.parametrize("kind", ["exact", "hamming", "vpdq"])
@pytest.mark.parametrize("limit", [-1, True, 1.5, "3"])
def test_bad_limits_are_value_errors(kind: str, limit: object) -> None:
    rng = np.random.default_rng(32)
    index = _make(kind)
    with pytest.raises(ValueError, match="limit"):
        index.search_many(_values(kind, rng, 1), 0, limit=limit)  # type: ignore[arg-type]


def test_exact_refuses_a_distance() -> None:
    with pytest.raises(ValueError, match="max_distance"):
        ExactIndex(16).search_many([b"\0" * 16], 1)


@pytest.mark.parametrize("chunk_bits", [None, (16,) * 16])
@pytest.mark.parametrize("limit", [None, 0, 1, 100])
def test_a_dense_cluster_is_cut_to_the_nearest(chunk_bits: object, limit: int | None) -> None:
    """2,000 near-identical codes, many queries at max_distance 63: nearest first, whole
    count, against brute force — with fresh and compacted parts, over several slices."""
    rng = np.random.default_rng(33)
    centre = random_codes(rng, 1)[0]
    cluster = np.stack(
        [flip_bits(centre, rng.choice(256, rng.integers(0, 12), replace=False).tolist())
         for _ in range(2_000)]
    )  # fmt: skip
    codes = np.concatenate([cluster, random_codes(rng, 3_000)])
    ids = rng.permutation(codes.shape[0]).astype(np.int64)
    index = HammingIndex(256, chunk_bits=chunk_bits, auto_compact=False, workers=2)  # type: ignore[arg-type]
    index.add(ids[:4_000], codes[:4_000])
    index.compact()
    index.add(ids[4_000:], codes[4_000:])  # a delta part too
    index.remove(ids[:10])
    live = dict(zip(ids[10:].tolist(), codes[10:], strict=True))
    queries = np.stack([flip_bits(centre, [k % 256]) for k in range(300)])
    results = index.search_many(queries, 63, limit=limit)
    assert len(results) == 300
    for q in (0, 1, 127, 128, 299):  # both sides of a slice boundary
        got = results[q]
        expected = brute_force_limited(live, queries[q], 63, limit)
        assert (*as_lists(got), got.total) == expected
        assert got.total >= 1_990
        assert got.truncated == (limit is not None)


def test_limit_none_is_every_match_in_order() -> None:
    rng = np.random.default_rng(34)
    codes = random_codes(rng, 3_000)
    index = HammingIndex(256, chunk_bits=(16,) * 16, force_tables=True)
    index.add(np.arange(3_000), codes)
    index.compact()
    live = dict(enumerate(codes))
    q = flip_bits(codes[5], [1, 2, 3])
    assert as_lists(index.search(q, 100)) == brute_force(live, q, 100)


def test_vpdq_distance_is_the_unmatched_share_of_query_frames() -> None:
    rng = np.random.default_rng(35)
    a, b = random_codes(rng, 10), random_codes(rng, 10)
    index = VpdqIndex(query_match_pct=50.0)
    index.add([1, 2], [a, b])
    query = np.concatenate([a[:8], random_codes(rng, 2)])  # 80 % of a, 0 % of b
    both = np.concatenate([a[:5], b[:5]])  # 50 % of each
    found = index.search_many([query, both], 31)
    assert found[0].pairs() == [(1, 20)]
    assert found[1].pairs() == [(1, 50), (2, 50)] and found[1].total == 2
    assert index.search_many([both], 31, limit=1)[0].pairs() == [(1, 50)]
