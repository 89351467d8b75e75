"""Roots and proofs from stored nodes against the RFC's recursive definitions."""

from __future__ import annotations

import random

import pytest

from clearinghouse.errors import InvalidInput
from clearinghouse.tlog import (
    EMPTY_ROOT,
    CompactRange,
    MemoryNodeStore,
    append_nodes,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root,
)

from .vectors import b64, entries, jsonl, known_answers, rfc_reference, roots


@pytest.fixture(scope="module")
def store64() -> MemoryNodeStore:
    store = MemoryNodeStore()
    store.append_entries(entries())
    return store


def test_known_roots_of_the_test_tree():
    case = known_answers()["test_tree"]
    store = MemoryNodeStore()
    store.append_entries(bytes.fromhex(e) for e in case["entries_hex"])
    for size, want in case["roots_by_size"].items():
        assert store.root(int(size)).hex() == want


def test_known_proofs_of_the_test_tree():
    case = known_answers()["test_tree"]
    store = MemoryNodeStore()
    store.append_entries(bytes.fromhex(e) for e in case["entries_hex"])
    for p in case["inclusion"]:
        assert [h.hex() for h in store.inclusion_proof(p["index"], p["size"])] == p["proof"]
    for p in case["consistency"]:
        assert [h.hex() for h in store.consistency_proof(p["first"], p["second"])] == p["proof"]


def test_every_root_up_to_64(store64):
    assert [store64.root(n) for n in range(65)] == roots()


def test_every_inclusion_proof_up_to_64(store64):
    vectors = jsonl("inclusion.jsonl")
    assert len(vectors) == 64 * 65 // 2
    for v in vectors:
        assert store64.inclusion_proof(v["index"], v["size"]) == [b64(h) for h in v["proof"]]


def test_every_consistency_proof_up_to_64(store64):
    vectors = jsonl("consistency.jsonl")
    assert len(vectors) == 65 * 66 // 2
    for v in vectors:
        got = store64.consistency_proof(v["first"], v["second"])
        assert got == [b64(h) for h in v["proof"]]


def test_random_larger_trees_against_the_recursive_definition():
    ref = rfc_reference()
    rng = random.Random(6962)
    data = [rng.randbytes(rng.randrange(0, 40)) for _ in range(700)]
    store = MemoryNodeStore()
    store.append_entries(data)
    for _ in range(60):
        size = rng.randrange(1, len(data) + 1)
        index = rng.randrange(size)
        first = rng.randrange(size + 1)
        assert store.root(size) == ref.mth(data[:size])
        assert store.inclusion_proof(index, size) == ref.path(index, data[:size])
        assert store.consistency_proof(first, size) == ref.proof(first, data[:size])


def test_stored_nodes_are_exactly_the_complete_subtrees():
    store = MemoryNodeStore()
    store.append_entries(entries()[:45])
    want = {
        (level, i)
        for level in range(7)
        for i in range(45 >> level)  # node (L, i) is complete when (i + 1)·2^L <= 45
    }
    assert set(store.nodes) == want


@pytest.mark.parametrize("batches", [[1] * 64, [64], [3, 5, 8, 1, 47], [7, 0, 57], [32, 32]])
def test_batch_boundaries_do_not_matter(batches):
    data = entries()
    whole = MemoryNodeStore()
    whole.append_entries(data)
    split = MemoryNodeStore()
    start = 0
    for count in batches:
        split.append_entries(data[start : start + count])
        start += count
    assert split.nodes == whole.nodes


def test_append_reads_only_the_frontier():
    store = MemoryNodeStore()
    store.append_entries(f"e{i}".encode() for i in range(1000))
    store.reads = 0
    new = append_nodes(1000, [leaf_hash(b"x")] * 10_000, store)
    assert store.reads == (1000).bit_count()
    # A tree of n leaves has 2n - popcount(n) complete nodes.
    assert len(new) == (2 * 11_000 - (11_000).bit_count()) - (2 * 1000 - (1000).bit_count())


def test_proofs_read_logarithmically_many_nodes():
    store = MemoryNodeStore()
    store.append_entries(f"e{i}".encode() for i in range(5000))
    rng = random.Random(1)
    for _ in range(200):
        size = rng.randrange(1, 5001)
        bound = 2 * size.bit_length() + 1
        store.reads = 0
        inclusion_proof(rng.randrange(size), size, store)
        assert store.reads <= bound
        store.reads = 0
        consistency_proof(rng.randrange(size + 1), size, store)
        assert store.reads <= bound
        store.reads = 0
        root(size, store)
        assert store.reads <= size.bit_length()


def test_compact_range_streams_to_every_root():
    data = entries()
    compact = CompactRange()
    assert compact.root() == EMPTY_ROOT
    for n, entry in enumerate(data, start=1):
        compact.append(leaf_hash(entry))
        assert compact.size == n
        assert compact.root() == roots()[n]
        assert len(compact.hashes) == n.bit_count()  # memory is O(log n)


def test_compact_range_loads_from_a_store_and_resumes(store64):
    small = MemoryNodeStore()
    small.append_entries(entries()[:37])
    compact = CompactRange.load(37, small)
    assert compact.root() == roots()[37]
    compact.extend(leaf_hash(e) for e in entries()[37:])
    assert compact.root() == roots()[64]


def test_compact_range_refuses_inconsistent_frontiers():
    with pytest.raises(ValueError):
        CompactRange(3, [b"\0" * 32])
    with pytest.raises(ValueError):
        CompactRange(1, [b"short"])
    with pytest.raises(ValueError):
        CompactRange().append(b"short")


@pytest.mark.parametrize(
    ("call", "args"),
    [
        (inclusion_proof, (0, 0)),
        (inclusion_proof, (5, 5)),
        (inclusion_proof, (-1, 5)),
        (consistency_proof, (6, 5)),
        (consistency_proof, (-1, 5)),
        (root, (-1,)),
    ],
)
def test_out_of_range_arguments_are_invalid_input(store64, call, args):
    with pytest.raises(InvalidInput):
        call(*args, store64)


def test_sizes_past_the_log_are_invalid_input(store64):
    with pytest.raises(InvalidInput):
        store64.inclusion_proof(3, 65)
    with pytest.raises(InvalidInput):
        store64.consistency_proof(3, 65)


def test_a_missing_node_is_a_lookup_error():
    class Empty:
        def get_nodes(self, keys):
            return {}

    with pytest.raises(LookupError):
        root(5, Empty())
    with pytest.raises(LookupError):
        inclusion_proof(2, 5, Empty())
