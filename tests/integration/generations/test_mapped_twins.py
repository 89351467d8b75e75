"""Mapped generations against their slow twins: a Hamming index over a mapped main part
plus a per-process delta answers as brute force over the same live codes does, on random
and on dense-cluster data; states mapped copy-on-write (reading active signals' values from the
mapped indexes) and then updated answer as states built in memory from the same pages,
and the files never change."""

import random
from pathlib import Path

import numpy as np
import pytest

from clearinghouse.index import HammingIndex, IndexSet
from clearinghouse.index.generations import Part, open_generation, write_generation
from clearinghouse.services.adapters.index_generations import (
    MatchingView,
    generation_parts,
    view_of,
)
from clearinghouse.services.adapters.signal_states import SignalStates
from clearinghouse.signals.registry import default_registry
from tests.unit.index.twins import brute_force_limited, random_codes
from tests.unit.matching.test_signal_states import WIDTHS, _page, _state, _value


def _cluster_codes(rng: np.random.Generator, n: int) -> np.ndarray:
    """Codes within a few bits of four centres: thousands of true matches per query."""
    centres = random_codes(rng, 4)
    codes = centres[rng.integers(0, 4, n)]
    bits = rng.integers(0, 256, (n, 6))
    for k in range(bits.shape[1]):
        codes[np.arange(n), bits[:, k] // 8] ^= (1 << (bits[:, k] % 8)).astype(np.uint8)
    return codes


def _publish_index(root: Path, ids: np.ndarray, codes: np.ndarray) -> None:
    index = HammingIndex(256, tuned_distance=31)
    index.add(ids, codes)
    arrays, meta = index.folded_snapshot_arrays()
    write_generation(root, lambda: ({"index-pdq": Part("hamming", arrays, meta)}, 7))


@pytest.mark.parametrize("data", ["random", "cluster"])
def test_mapped_index_plus_delta_equals_brute_force(tmp_path, data):
    rng = np.random.default_rng(5 if data == "random" else 6)
    n = 6000  # above the multi-index's table threshold
    ids = rng.permutation(np.arange(1, 3 * n))[:n].astype(np.int64)
    codes = random_codes(rng, n) if data == "random" else _cluster_codes(rng, n)
    _publish_index(tmp_path, ids, codes)
    generation = open_generation(tmp_path)
    part = generation.parts["index-pdq"]
    assert all(isinstance(a, np.memmap) for a in part.arrays.values() if a.size)
    assert part.meta["chunk_bits"]  # the main part has chunk tables, mapped with it
    index = HammingIndex.from_snapshot_arrays(
        part.arrays, part.meta, auto_compact=False, force_tables=True
    )
    live = dict(zip(ids.tolist(), codes, strict=True))

    # The delta: removals, replacements and new codes after the generation.
    gone = rng.choice(ids, 400, replace=False)
    index.remove(gone)
    for i in gone.tolist():
        live.pop(i)
    replaced = rng.choice(np.array(sorted(live)), 300, replace=False)
    new_ids = np.concatenate((replaced, np.arange(10 * n, 10 * n + 500))).astype(np.int64)
    new_codes = (
        random_codes(rng, new_ids.size) if data == "random" else _cluster_codes(rng, new_ids.size)
    )
    index.add(new_ids, new_codes)
    live.update(zip(new_ids.tolist(), new_codes, strict=True))

    queries = np.concatenate((codes[rng.choice(n, 20)], new_codes[:10], random_codes(rng, 10)))
    for max_distance in (0, 8, 31, 64):
        for limit in (None, 5):
            got = index.search_many(queries, max_distance, limit=limit)
            for q, found in zip(queries, got, strict=True):
                ids_, dists, total = brute_force_limited(live, q, max_distance, limit)
                assert (found.ids.tolist(), found.distances.tolist(), found.total) == (
                    ids_,
                    dists,
                    total,
                )
    assert len(index) == len(live)


def _index_set() -> IndexSet:
    made = IndexSet.for_registry(default_registry())
    return IndexSet({n: f for n, f in made.factories.items() if n in WIDTHS})


def test_mapped_states_updated_copy_on_write_equal_states_in_memory(tmp_path):
    rng = random.Random(3)
    values: dict[int, tuple[str, str]] = {}

    def batch(count: int, top: int) -> list:
        out = []
        for _ in range(count):
            sid = rng.randrange(1, top)
            if sid not in values:
                signal_type = rng.choice(sorted(WIDTHS))
                values[sid] = (signal_type, _value(rng, signal_type))
            out.append(_state(rng, sid, *values[sid]))
        return list({s.signal.id: s for s in out}.values())

    # The slow twin: states built in memory, each holding its own values.
    twin, indexes = SignalStates(WIDTHS), _index_set()

    def feed(states: SignalStates, index_set: IndexSet, page) -> None:
        states.update(page)
        index_set.apply(page.ids, page.types, page.values, page.statuses)

    feed(twin, indexes, _page(batch(2000, 3000)))
    parts = generation_parts(MatchingView(indexes, twin))
    assert "values" not in parts["states"].arrays  # read from the indexes once mapped
    assert 0 < parts["states"].arrays["kept_ids"].size < twin.count  # the inactive ones
    write_generation(tmp_path, lambda: (parts, 1))
    files = {p: p.read_bytes() for p in tmp_path.rglob("*.npy")}
    generation = open_generation(tmp_path, copy_on_write=frozenset({"states"}))
    mapped = view_of(generation, _index_set(), WIDTHS)
    asked = list(range(-3, 3100))
    assert mapped.states.describe_many(asked, 2) == twin.describe_many(asked, 2)

    # Changes after the generation: old signals changed (retracted, restored), new ones
    # within the headroom.
    for _ in range(5):
        page = _page(batch(300, 4000))
        twin.update(page)
        feed(mapped.states, mapped.index_set, page)
    asked = list(range(-3, 4100))
    for threshold in (1, 2, 3):
        got = mapped.states.describe_many(asked, threshold)
        assert got == twin.describe_many(asked, threshold)
    assert mapped.states.count == twin.count
    assert {p: p.read_bytes() for p in tmp_path.rglob("*.npy")} == files  # private pages

    # The next generation, written from the mapped view, answers the same again.
    write_generation(tmp_path, lambda: (generation_parts(mapped), 2))
    again = view_of(open_generation(tmp_path), _index_set(), WIDTHS)
    assert again.states.describe_many(asked, 2) == twin.describe_many(asked, 2)
