"""Checking inclusion and consistency proofs, per RFC 9162 §2.1.3.2 and §2.1.4.2.

Kept apart from building proofs on purpose: an auditor runs only this module and the
hasher, against whatever a server sent. Every check raises ``VerificationError`` (or
``RootMismatch``, which carries both roots); arguments outside a function's stated
preconditions are ``InvalidInput``.
"""

from __future__ import annotations

from collections.abc import Sequence

from clearinghouse.errors import InvalidInput, VerificationError
from clearinghouse.tlog.hashing import EMPTY_ROOT, HASH_SIZE, node_hash

__all__ = [
    "RootMismatch",
    "frontier_from_consistency_proof",
    "root_from_inclusion_proof",
    "verify_consistency",
    "verify_inclusion",
]


class RootMismatch(VerificationError):
    """A proof led to a root other than the expected one; carries both."""

    def __init__(self, expected: bytes, computed: bytes, what: str = "root") -> None:
        super().__init__(
            f"{what} mismatch: the proof gives {computed.hex()}, expected {expected.hex()}"
        )
        self.expected = expected
        self.computed = computed


def root_from_inclusion_proof(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]
) -> bytes:
    """The root that ``proof`` implies for leaf ``index`` of a tree of ``size`` leaves.

    Requires 0 <= index < size and a 32-byte leaf hash (else InvalidInput); a proof of
    the wrong length or shape is VerificationError.
    """
    _check_hash(leaf_hash, "leaf hash")
    if not 0 <= index < size:
        raise InvalidInput(f"leaf index {index} is not in a tree of size {size}")
    fn, sn = index, size - 1
    r = leaf_hash
    for position, p in enumerate(proof):
        _check_element(p, position)
        if sn == 0:
            raise VerificationError(f"inclusion proof has {len(proof)} hashes, too many")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn:
        raise VerificationError(f"inclusion proof has {len(proof)} hashes, too few")
    return r


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise unless ``proof`` shows leaf ``index`` in the tree of ``size`` leaves with ``root``.

    Requires 0 <= index < size and 32-byte hashes (else InvalidInput).
    """
    _check_hash(root, "root")
    computed = root_from_inclusion_proof(leaf_hash, index, size, proof)
    if computed != root:
        raise RootMismatch(root, computed)


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> None:
    """Raise unless ``proof`` shows tree (first, first_root) is a prefix of (second, second_root).

    Requires 0 <= first <= second and 32-byte roots (else InvalidInput). Trees of equal
    size, or a first tree that is empty, need an empty proof.
    """
    _check_hash(first_root, "first root")
    _check_hash(second_root, "second root")
    if not 0 <= first <= second:
        raise InvalidInput(f"no consistency from tree size {first} to {second}")
    if first == 0 or first == second:
        if proof:
            raise VerificationError(
                f"consistency proof from size {first} to {second} must be empty"
            )
        if first == 0 and first_root != EMPTY_ROOT:
            raise RootMismatch(EMPTY_ROOT, first_root, "empty tree root")
        if first == second and first_root != second_root:
            raise RootMismatch(first_root, second_root, "equal-size tree root")
        return
    frontier, sr = _consistency_walk(first, second, first_root, proof)
    fr = frontier[0]
    for c in frontier[1:]:
        fr = node_hash(c, fr)
    if fr != first_root:
        raise RootMismatch(first_root, fr, "first root")
    if sr != second_root:
        raise RootMismatch(second_root, sr, "second root")


def frontier_from_consistency_proof(first: int, second: int, proof: Sequence[bytes]) -> list[bytes]:
    """The frontier hashes (highest level first) of the first tree, read from a proof.

    Requires 0 < first < second with ``first`` not a power of two (else InvalidInput: the
    proof leaves that tree's one frontier hash, its root, out). The hashes folded into
    the first root by the RFC 9162 walk are exactly its frontier. The result is
    unchecked: verify the proof with the root of these hashes before trusting it.
    """
    if not 0 < first < second or first & (first - 1) == 0:
        raise InvalidInput(f"no frontier of tree {first} in a proof to {second}")
    frontier, _ = _consistency_walk(first, second, None, proof)
    if len(frontier) != first.bit_count():
        raise VerificationError("consistency proof does not hold the first tree's frontier")
    return frontier[::-1]


def _consistency_walk(
    first: int, second: int, first_root: bytes | None, proof: Sequence[bytes]
) -> tuple[list[bytes], bytes]:
    """RFC 9162 §2.1.4.2 for 0 < first < second: the hashes folded into the first root
    (its frontier, lowest level first) and the second root the proof implies.

    ``first_root`` stands in for the proof's implicit first hash when ``first`` is a
    power of two.
    """
    if not proof:
        raise VerificationError("consistency proof is empty")
    for position, p in enumerate(proof):
        _check_element(p, position)
    path = list(proof)
    if first & (first - 1) == 0 and first_root is not None:
        path.insert(0, first_root)  # the old tree is one complete subtree: its root
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    sr = path[0]
    frontier = [sr]
    for c in path[1:]:
        if sn == 0:
            raise VerificationError(f"consistency proof has {len(proof)} hashes, too many")
        if fn & 1 or fn == sn:
            frontier.append(c)
            sr = node_hash(c, sr)
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn:
        raise VerificationError(f"consistency proof has {len(proof)} hashes, too few")
    return frontier, sr


def _check_hash(value: bytes, what: str) -> None:
    if not isinstance(value, bytes | bytearray) or len(value) != HASH_SIZE:
        raise InvalidInput(f"the {what} must be {HASH_SIZE} bytes")


def _check_element(value: bytes, position: int) -> None:
    if not isinstance(value, bytes | bytearray) or len(value) != HASH_SIZE:
        raise VerificationError(f"proof hash {position} is not {HASH_SIZE} bytes")
