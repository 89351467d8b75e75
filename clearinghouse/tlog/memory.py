"""An in-memory node store: the reference ``NodeReader`` for tests and small tools.

It keeps every complete node in a dict, exactly as a database table would, so the
proof code can be exercised without a database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType

from clearinghouse.errors import InvalidInput
from clearinghouse.tlog.compact import append_nodes
from clearinghouse.tlog.hashing import leaf_hash
from clearinghouse.tlog.nodes import NodeKey
from clearinghouse.tlog.proofs import consistency_proof, inclusion_proof, root

__all__ = ["MemoryNodeStore"]


class MemoryNodeStore:
    """Complete-subtree hashes in a dict; append-only like the real store."""

    def __init__(self) -> None:
        self._nodes: dict[NodeKey, bytes] = {}
        self._size = 0
        self.reads = 0  # nodes read, so tests can check the O(log n) bound

    @property
    def size(self) -> int:
        return self._size

    @property
    def nodes(self) -> Mapping[NodeKey, bytes]:
        """Every stored node, read-only."""
        return MappingProxyType(self._nodes)

    def get_nodes(self, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
        """The stored hashes of ``keys`` (absent keys are left out)."""
        self.reads += len(keys)
        nodes = self._nodes
        return {key: nodes[key] for key in keys if key in nodes}

    def append_leaf_hashes(self, leaf_hashes: Iterable[bytes]) -> int:
        """Append leaf hashes; return the new size."""
        new = append_nodes(self._size, list(leaf_hashes), self)
        for key, value in new:
            if key in self._nodes:
                raise RuntimeError(f"node {key} stored twice")  # complete nodes never change
            self._nodes[key] = value
            if key[0] == 0:
                self._size = key[1] + 1
        return self._size

    def append_entries(self, entries: Iterable[bytes]) -> int:
        """Append log entries (hashed as leaves); return the new size."""
        return self.append_leaf_hashes(leaf_hash(entry) for entry in entries)

    def root(self, size: int | None = None) -> bytes:
        """The root at ``size`` (default: the current size)."""
        return root(self._checked(size), self)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """The audit path of leaf ``index`` at ``size`` (default: the current size)."""
        return inclusion_proof(index, self._checked(size), self)

    def consistency_proof(self, first: int, second: int | None = None) -> list[bytes]:
        """The consistency proof from ``first`` to ``second`` (default: the current size)."""
        return consistency_proof(first, self._checked(second), self)

    def _checked(self, size: int | None) -> int:
        if size is None:
            return self._size
        if size > self._size:
            raise InvalidInput(f"tree size {size} is beyond the log's size {self._size}")
        return size
