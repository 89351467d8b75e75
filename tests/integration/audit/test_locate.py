"""Locating departures from the signed tree, against the obvious twin: compare each served
leaf with the one the server committed to. No database: an in-memory tree plays the server.
"""

from __future__ import annotations

import random

import pytest

from clearinghouse.client.audit import TreeCheck
from clearinghouse.errors import InvalidInput, VerificationError
from clearinghouse.tlog import (
    CompactRange,
    MemoryNodeStore,
    frontier_from_consistency_proof,
    leaf_hash,
)


def _leaves(n: int, salt: str = "") -> list[bytes]:
    return [leaf_hash(f"{salt}entry {i}".encode()) for i in range(n)]


class _Server:
    """Commits to ``committed`` leaves; answers proofs from that tree."""

    def __init__(self, committed: list[bytes]) -> None:
        self.store = MemoryNodeStore()
        self.store.append_leaf_hashes(committed)
        self.proofs = 0

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        self.proofs += 1
        return self.store.inclusion_proof(index, size)

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        self.proofs += 1
        return self.store.consistency_proof(first, second)


def _locate(committed: list[bytes], served: list[bytes], page: int, **kw) -> tuple[set, list]:
    server = _Server(committed)
    problems = []
    check = TreeCheck(
        server, len(committed), server.store.root(), lambda *p: problems.append(p), **kw
    )
    for start in range(0, len(served), page):
        chunk = served[start : start + page]
        end = start + len(chunk)
        proof = server.consistency_proof(end, len(committed)) if end < len(committed) else None
        check.add_page(start, chunk, proof)
    return {p[0] for p in problems if p[0] is not None}, problems


def test_frontier_read_from_a_consistency_proof_is_the_compact_range():
    for second in range(2, 65):
        leaves = _leaves(second)
        store = MemoryNodeStore()
        store.append_leaf_hashes(leaves)
        for first in range(3, second):
            if first & (first - 1) == 0:
                continue
            proof = store.consistency_proof(first, second)
            expected = CompactRange()
            for leaf in leaves[:first]:
                expected.append(leaf)
            assert frontier_from_consistency_proof(first, second, proof) == list(expected.hashes)


def test_frontier_refuses_powers_of_two_and_short_proofs():
    with pytest.raises(InvalidInput):
        frontier_from_consistency_proof(4, 9, [b"\0" * 32] * 3)
    with pytest.raises(VerificationError):
        frontier_from_consistency_proof(7, 9, [])


@pytest.mark.parametrize("page", [1, 3, 8, 1000])
def test_every_single_alteration_is_named_alone(page):
    for n in range(1, 41):
        committed = _leaves(n)
        for k in range(n):
            served = list(committed)
            served[k] = leaf_hash(b"forged")
            named, _ = _locate(committed, served, page)
            assert named == {k}, (n, k)


@pytest.mark.parametrize("seed", range(40))
def test_any_set_of_alterations_is_named_exactly(seed):
    rng = random.Random(seed)
    n = rng.randrange(1, 300)
    committed = _leaves(n)
    served = list(committed)
    for k in rng.sample(range(n), rng.randrange(1, min(n, 8) + 1)):
        served[k] = leaf_hash(f"forged {k}".encode())
    named, _ = _locate(committed, served, rng.choice([7, 64, 100, 1000]))
    assert named == {i for i in range(n) if served[i] != committed[i]}


def test_an_honest_log_costs_no_proof_beyond_one_per_page():
    committed = _leaves(2_500)
    server = _Server(committed)
    check = TreeCheck(server, 2_500, server.store.root(), lambda *p: pytest.fail(str(p)))
    for start in range(0, 2_500, 1_000):
        check.add_page(start, committed[start : start + 1_000], None)
    assert server.proofs == 2  # the ends of the first two pages; the last meets the root


def test_a_removal_is_named_and_locating_then_stops():
    committed = _leaves(500)
    served = committed[:100] + committed[101:] + [leaf_hash(b"filler")]
    named, problems = _locate(committed, served, 1000, max_located=5)
    assert min(named) == 100 and len(named) == 5
    assert problems[-1][0] is None and "not located" in problems[-1][2]


def test_a_lying_proof_stops_locating_but_not_the_verdict():
    committed = _leaves(50)
    served = list(committed)
    served[10] = leaf_hash(b"forged")
    server = _Server(committed)
    honest = server.consistency_proof
    server.consistency_proof = lambda a, b: [bytes(32)] * len(honest(a, b))
    problems = []
    check = TreeCheck(server, 50, server.store.root(), lambda *p: problems.append(p))
    check.add_page(0, served, None)
    assert problems  # still a failure, wherever it is reported
