"""A compact range: the right edge of a growing tree in O(log n) hashes.

``CompactRange`` holds one hash per set bit of the tree size (the complete subtrees
that cover all leaves so far). Appending a leaf merges equal-sized neighbours, so the
auditor can stream millions of entries through it with bounded memory and ask for the
root at any size, and the server uses it to find which stored nodes become complete
when a batch is appended (``append_nodes``), after reading O(log n) existing ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from clearinghouse.tlog.hashing import EMPTY_ROOT, HASH_SIZE, node_hash
from clearinghouse.tlog.nodes import NodeKey, NodeReader, frontier_keys, read_nodes

__all__ = ["CompactRange", "append_nodes"]


class CompactRange:
    """The complete subtrees covering leaves ``[0, size)``; O(log size) memory."""

    __slots__ = ("_hashes", "_size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        """A range of ``size`` leaves from its frontier hashes, highest level first."""
        if size < 0:
            raise ValueError("a tree size is never negative")
        if len(hashes) != size.bit_count():
            raise ValueError(f"a tree of {size} leaves has {size.bit_count()} frontier hashes")
        if any(len(h) != HASH_SIZE for h in hashes):
            raise ValueError(f"frontier hashes are {HASH_SIZE} bytes")
        self._size = size
        self._hashes = list(hashes)

    @classmethod
    def load(cls, size: int, reader: NodeReader) -> CompactRange:
        """The range of a stored tree of ``size`` leaves, read in one batch."""
        keys = frontier_keys(size)
        nodes = read_nodes(reader, keys)
        return cls(size, [nodes[key] for key in keys])

    @property
    def size(self) -> int:
        return self._size

    @property
    def hashes(self) -> tuple[bytes, ...]:
        """The frontier hashes, highest level first (see ``nodes.frontier_keys``)."""
        return tuple(self._hashes)

    def append(self, leaf_hash: bytes) -> None:
        """Add one leaf hash (the auditor's streaming path: no node list is kept)."""
        if len(leaf_hash) != HASH_SIZE:
            raise ValueError(f"a leaf hash is {HASH_SIZE} bytes")
        hashes = self._hashes
        hashes.append(leaf_hash)
        self._size += 1
        n = self._size
        # One merge per trailing zero bit of the new size.
        while not n & 1:
            right = hashes.pop()
            hashes[-1] = node_hash(hashes[-1], right)
            n >>= 1

    def extend(self, leaf_hashes: Iterable[bytes]) -> list[tuple[NodeKey, bytes]]:
        """Add leaf hashes; return every node that became complete, leaves included."""
        completed: list[tuple[NodeKey, bytes]] = []
        add = completed.append
        hashes = self._hashes
        size = self._size
        for leaf in leaf_hashes:
            if len(leaf) != HASH_SIZE:
                self._size = size
                raise ValueError(f"a leaf hash is {HASH_SIZE} bytes")
            add(((0, size), leaf))
            hashes.append(leaf)
            size += 1
            n, level = size, 0
            while not n & 1:
                right = hashes.pop()
                node = node_hash(hashes[-1], right)
                hashes[-1] = node
                n >>= 1
                level += 1
                add(((level, n - 1), node))
        self._size = size
        return completed

    def root(self) -> bytes:
        """The RFC 6962 root of the leaves so far (``EMPTY_ROOT`` for none)."""
        hashes = self._hashes
        if not hashes:
            return EMPTY_ROOT
        root = hashes[-1]
        for left in reversed(hashes[:-1]):
            root = node_hash(left, root)
        return root

    def __repr__(self) -> str:
        return f"CompactRange(size={self._size}, root={self.root().hex()})"


def append_nodes(
    size: int, new_leaf_hashes: Iterable[bytes], reader: NodeReader
) -> list[tuple[NodeKey, bytes]]:
    """The nodes to store when leaves are appended to a stored tree of ``size`` leaves.

    Reads the O(log size) frontier nodes in one batch; returns the new leaves and every
    subtree they complete, as ``((level, index), hash)`` in the order they complete.
    """
    return CompactRange.load(size, reader).extend(new_leaf_hashes)
