"""Addressing the stored nodes of the tree, and the protocol a node store implements.

The log keeps the hash of every *complete* subtree, addressed as ``(level, index)``:
level 0 holds the leaf hashes, and node ``(L, i)`` covers leaves ``[i·2^L, (i+1)·2^L)``.
A node is stored once all its leaves exist and never changes afterwards, so a store only
ever inserts. Subtrees on the right edge that are not complete yet ("ephemeral" nodes)
are never stored; they are folded from the O(log n) complete nodes that cover them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, TypeAlias

__all__ = ["NodeKey", "NodeReader", "frontier_keys", "read_nodes"]

NodeKey: TypeAlias = tuple[int, int]
"""``(level, index)`` of a complete subtree."""


class NodeReader(Protocol):
    """Where the hashes of complete subtrees are read from (the store implements this)."""

    def get_nodes(self, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
        """The hashes of the given complete nodes, in one batch (one query for SQL stores).

        Every key asked for is a node that is complete in the tree the caller knows of;
        a key the store does not hold may be left out of the answer (the caller raises).
        """
        ...


def frontier_keys(size: int) -> list[NodeKey]:
    """The complete nodes that exactly cover leaves ``[0, size)``, highest level first.

    One node per set bit of ``size``: the log's compact range, from which the root and
    every ephemeral right-edge node are folded.
    """
    return [
        (level, (size >> level) - 1)
        for level in range(size.bit_length() - 1, -1, -1)
        if size >> level & 1
    ]


def read_nodes(reader: NodeReader, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
    """Read ``keys`` in one batch and insist that every one came back."""
    if not keys:
        return {}
    wanted = list(dict.fromkeys(keys))
    found = reader.get_nodes(wanted)
    missing = [key for key in wanted if key not in found]
    if missing:
        # A complete node the tree needs is absent: the store is corrupt or behind.
        raise LookupError(f"node store has no hash for nodes {missing[:4]} (level, index)")
    return found
