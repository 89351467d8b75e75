"""The one interface every signal type's index offers, and the answer of a lookup.

The exact (digest), Hamming (PDQ and the 64-bit image hashes) and vPDQ indexes all
implement ``SignalIndex``, so the code that keeps one index per signal type and follows
the log never asks which kind it holds. Snapshots are arrays and a JSON manifest (see
``snapshot.py``), never a pickle.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, Self, runtime_checkable

import numpy as np

__all__ = ["Matches", "SignalIndex", "check_limit"]


@dataclass(frozen=True, eq=False)
class Matches:
    """The matches of one query: ids and distances nearest first, and how many there were.

    ``ids`` (int64) and ``distances`` (int32) are ordered by (distance, id) and hold at most
    the ``limit`` the lookup asked for; ``total`` counts every indexed id within the
    distance, so ``truncated`` says whether some were left out.
    """

    ids: np.ndarray
    distances: np.ndarray
    total: int

    @property
    def truncated(self) -> bool:
        return self.total > self.ids.size

    def pairs(self) -> list[tuple[int, int]]:
        """``(id, distance)`` of every match kept, nearest first."""
        return list(zip(self.ids.tolist(), self.distances.tolist(), strict=True))


@runtime_checkable
class SignalIndex(Protocol):
    """An in-memory index of one signal type, keyed by int64 signal ids.

    Thread safety: ``search_many``, ``len`` and ``memory_bytes`` may run in any number of
    threads alongside one another and alongside writers (``add``, ``remove``, ``save``);
    writers are serialised inside the index. A lookup sees a write whole or not at all.
    """

    def __len__(self) -> int:
        """Number of ids indexed."""
        ...

    @property
    def memory_bytes(self) -> int:
        """Approximate bytes of memory the index holds (its arrays and tables)."""
        ...

    def add(self, ids: Sequence[int] | np.ndarray, values: Sequence[object] | np.ndarray) -> None:
        """Index ``values[k]`` under ``ids[k]``; an id already present gets the new value.

        Requires ``len(ids) == len(values)``, ids within the index's id range (``>= 0``;
        vPDQ: ``<= MAX_VIDEO_ID``) and every value in the index's form: ``nbytes`` bytes
        (or a uint8 row) for exact and Hamming indexes, a non-empty (frames, 32) uint8
        array for vPDQ. Raises ValueError otherwise, before changing anything.
        """
        ...

    def remove(self, ids: Sequence[int] | np.ndarray) -> None:
        """Remove ``ids``; ids not present are ignored."""
        ...

    def search_many(
        self,
        queries: Sequence[object] | np.ndarray,
        max_distance: int,
        *,
        limit: int | None = None,
    ) -> list[Matches]:
        """The matches of each query, in query order.

        Requires queries in the form ``add`` takes, ``0 <= max_distance <=`` the index's
        ceiling (exact: 0; Hamming: its bit width; vPDQ: 256, per frame) and ``limit``
        None (every match) or ``>= 0``. Each answer keeps the ``limit`` nearest matches by
        (distance, id) and the total count; the work and memory of a lookup stay bounded
        by the limit, not by the number of matches. A vPDQ match's distance is the share
        of query frames without a match, in whole percent.
        """
        ...

    def save(self, path: str | os.PathLike[str], position: int, *, wait: bool = True) -> None:
        """Atomically write a checksummed snapshot reflecting change-sequence ``position``.

        With ``wait=False``, raise SnapshotBusy instead of waiting for another writer.
        """
        ...

    @classmethod
    def load(cls, path: str | os.PathLike[str], **options: object) -> tuple[Self, int]:
        """Read a snapshot: (index, position); SnapshotError if missing, corrupt or not of
        this kind or shape. ``options`` are the constructor's."""
        ...


def check_limit(limit: int | None) -> None:
    """ValueError unless ``limit`` is None or a non-negative int."""
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise ValueError(f"limit must be None or a non-negative integer, got {limit!r}")
