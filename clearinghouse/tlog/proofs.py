"""Roots, inclusion proofs and consistency proofs from stored complete subtrees.

Each function works out which stored nodes it needs — O(log n) of them — reads them in
one batch from a ``NodeReader`` and assembles the answer, so the cost does not grow with
the log. The proofs are the RFC 9162 §2.1.3 audit path and §2.1.4 consistency proof,
byte for byte; the tests check them against the RFC's recursive definitions.
"""

from __future__ import annotations

from clearinghouse.errors import InvalidInput
from clearinghouse.tlog.hashing import EMPTY_ROOT, node_hash
from clearinghouse.tlog.nodes import NodeKey, NodeReader, frontier_keys, read_nodes

__all__ = ["consistency_proof", "inclusion_proof", "root"]

# One step of a path: a stored node, or the complete nodes (highest level first) that an
# ephemeral right-edge subtree is folded from.
_Step = NodeKey | list[NodeKey]


def root(size: int, reader: NodeReader) -> bytes:
    """The root hash of the tree of the first ``size`` leaves. Requires 0 <= size."""
    if size < 0:
        raise InvalidInput(f"tree size {size} is negative")
    if size == 0:
        return EMPTY_ROOT
    keys = frontier_keys(size)
    nodes = read_nodes(reader, keys)
    return _fold([nodes[key] for key in keys])


def inclusion_proof(index: int, size: int, reader: NodeReader) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of ``size`` leaves, leaf to root.

    Requires 0 <= index < size (else InvalidInput).
    """
    if not 0 <= index < size:
        raise InvalidInput(f"leaf index {index} is not in a tree of size {size}")
    return _assemble(_path(0, index, size), reader)


def consistency_proof(first: int, second: int, reader: NodeReader) -> list[bytes]:
    """The proof that the tree of ``first`` leaves is a prefix of the one of ``second``.

    Requires 0 <= first <= second (else InvalidInput); empty when first is 0 or equal.
    """
    if not 0 <= first <= second:
        raise InvalidInput(f"no consistency proof from tree size {first} to {second}")
    if first == 0 or first == second:
        return []
    # The largest complete subtree that ends at `first`: the proof is its inclusion path
    # in the bigger tree, preceded by the node itself unless it is the whole old tree
    # (the verifier already knows that one: it is the old root).
    level = (first & -first).bit_length() - 1
    index = (first >> level) - 1
    steps = _path(level, index, second)
    if index:
        steps.insert(0, (level, index))
    return _assemble(steps, reader)


def _path(level: int, index: int, size: int) -> list[_Step]:
    """The siblings from node (level, index) up to the root of a tree of ``size`` leaves."""
    steps: list[_Step] = []
    while index or (1 << level) < size:
        sibling = index ^ 1
        start = sibling << level
        if sibling < index:
            steps.append((level, sibling))  # left siblings are always complete
        elif start + (1 << level) <= size:
            steps.append((level, sibling))
        elif start < size:
            # The right edge: leaves [start, size) form an ephemeral subtree, covered by
            # the complete nodes of the set bits of `size` below this level.
            steps.append([key for key in frontier_keys(size) if key[0] < level])
        # else the sibling lies wholly past the end: the RFC promotes this node instead.
        level += 1
        index >>= 1
    return steps


def _assemble(steps: list[_Step], reader: NodeReader) -> list[bytes]:
    keys: list[NodeKey] = []
    for step in steps:
        if isinstance(step, list):
            keys.extend(step)
        else:
            keys.append(step)
    nodes = read_nodes(reader, keys)
    return [
        _fold([nodes[key] for key in step]) if isinstance(step, list) else nodes[step]
        for step in steps
    ]


def _fold(hashes: list[bytes]) -> bytes:
    """Hash complete subtrees (highest level first) into the root of the range they cover."""
    acc = hashes[-1]
    for left in reversed(hashes[:-1]):
        acc = node_hash(left, acc)
    return acc
