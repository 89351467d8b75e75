"""Exact-match index for cryptographic digests (MD5, SHA-256): value bytes → ids.

Writers replace whole tuples in the dicts rather than mutating them, so a lookup in another
thread sees either the old or the new tuple and never a half-changed one.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from clearinghouse.index.protocol import Matches, check_limit

__all__ = ["ExactIndex"]


class ExactIndex:
    """Ids by exact ``nbytes``-byte value; implements ``SignalIndex``.

    Lookups are safe alongside one or more writers.
    """

    def __init__(self, nbytes: int) -> None:
        if nbytes <= 0:
            raise ValueError("nbytes must be positive")
        self.nbytes = nbytes
        self._ids_by_value: dict[bytes, tuple[int, ...]] = {}
        self._value_by_id: dict[int, bytes] = {}
        self._write_lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._value_by_id)

    def _value(self, value: object) -> bytes:
        if isinstance(value, np.ndarray):
            value = value.tobytes()
        if not isinstance(value, bytes | bytearray | memoryview) or len(value) != self.nbytes:
            raise ValueError(f"value must be {self.nbytes} bytes")
        return bytes(value)

    def add(self, ids: Iterable[int], values: Iterable[object]) -> None:
        """Index each value under its id; an id already present moves to its new value."""
        pairs = [(int(i), self._value(v)) for i, v in zip(ids, values, strict=True)]
        with self._write_lock:
            for id_, value in pairs:
                self._discard(id_)
                self._ids_by_value[value] = (*self._ids_by_value.get(value, ()), id_)
                self._value_by_id[id_] = value

    def remove(self, ids: Iterable[int]) -> None:
        """Remove ids; ids not present are ignored."""
        with self._write_lock:
            for id_ in ids:
                self._discard(int(id_))

    def _discard(self, id_: int) -> None:
        value = self._value_by_id.pop(id_, None)
        if value is None:
            return
        rest = tuple(i for i in self._ids_by_value[value] if i != id_)
        if rest:
            self._ids_by_value[value] = rest
        else:
            del self._ids_by_value[value]

    @property
    def memory_bytes(self) -> int:
        """Approximate bytes held: both dicts, the values, the id objects and tuples."""
        n = len(self._value_by_id)
        per_entry = sys.getsizeof(b"\0" * self.nbytes) + 2 * sys.getsizeof(2**40) + 64
        return sys.getsizeof(self._ids_by_value) + sys.getsizeof(self._value_by_id) + n * per_entry

    def values_of(self, ids: Iterable[int]) -> tuple[np.ndarray, np.ndarray]:
        """The value indexed under each of ``ids`` (zeros where none is) and whether one
        is: ((len(ids), nbytes) uint8, bool)."""
        held = [self._value_by_id.get(int(i)) for i in ids]
        found = np.array([v is not None for v in held], bool)
        zero = bytes(self.nbytes)
        codes = np.frombuffer(b"".join(v or zero for v in held), np.uint8)
        return codes.reshape(len(held), self.nbytes), found

    def search(self, value: object, *, limit: int | None = None) -> Matches:
        """``search_many`` for one value."""
        return self.search_many([value], 0, limit=limit)[0]

    def search_many(
        self, queries: Sequence[object], max_distance: int = 0, *, limit: int | None = None
    ) -> list[Matches]:
        """Ids indexed under exactly each value, ascending, all at distance 0 (see
        SignalIndex). Requires ``max_distance == 0``: digests match exactly or not at all."""
        if max_distance != 0:
            raise ValueError("max_distance must be 0 for an exact index")
        check_limit(limit)
        values = [self._value(v) for v in queries]
        out = []
        for value in values:
            found = sorted(self._ids_by_value.get(value, ()))
            kept = found if limit is None else found[:limit]
            ids = np.array(kept, dtype=np.int64)
            out.append(Matches(ids, np.zeros(ids.size, np.int32), len(found)))
        return out

    def snapshot_arrays(self) -> tuple[dict[str, np.ndarray], dict[str, object]]:
        """The arrays and JSON metadata ``save`` writes (for snapshot generations too)."""
        with self._write_lock:
            items = sorted(self._value_by_id.items())
        ids = np.array([i for i, _ in items], dtype=np.int64)
        values = np.frombuffer(b"".join(v for _, v in items), dtype=np.uint8)
        arrays = {"ids": ids, "values": values.reshape(len(items), self.nbytes)}
        return arrays, {"nbytes": self.nbytes}

    def save(self, path: str | os.PathLike[str], position: int, *, wait: bool = True) -> None:
        """Write an atomic, checksummed snapshot reflecting change-sequence ``position``."""
        from clearinghouse.index.snapshot import write_snapshot

        arrays, meta = self.snapshot_arrays()
        write_snapshot(Path(path), "exact", arrays, meta, position, wait=wait)

    @classmethod
    def load(
        cls, path: str | os.PathLike[str], *, nbytes: int | None = None
    ) -> tuple[ExactIndex, int]:
        """Read a snapshot: (index, position); SnapshotError if missing, corrupt or mismatched."""
        from clearinghouse.index.snapshot import read_snapshot

        arrays, meta, position = read_snapshot(Path(path), "exact")
        return cls.from_snapshot_arrays(arrays, meta, nbytes=nbytes), position

    @classmethod
    def from_snapshot_arrays(
        cls, arrays: dict[str, np.ndarray], meta: dict[str, object], *, nbytes: int | None = None
    ) -> ExactIndex:
        """An index (held in memory) from ``snapshot_arrays()`` output; SnapshotError if
        they are malformed or ``nbytes`` differs."""
        from clearinghouse.index.snapshot import check_snapshot

        stored = meta.get("nbytes")
        check_snapshot(isinstance(stored, int) and stored > 0, "snapshot has no value width")
        check_snapshot(nbytes is None or stored == nbytes, "snapshot value width differs")
        ids, values = arrays.get("ids"), arrays.get("values")
        check_snapshot(
            ids is not None
            and values is not None
            and ids.dtype == np.int64
            and values.dtype == np.uint8
            and values.shape == (ids.size, stored)
            and np.unique(ids).size == ids.size,
            "snapshot arrays malformed",
        )
        index = cls(stored)  # type: ignore[arg-type]
        index.add(ids.tolist(), [row.tobytes() for row in values])
        return index
