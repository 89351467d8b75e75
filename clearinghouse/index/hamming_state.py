"""The immutable states of a Hamming index (``hamming.HammingIndex``) and how a write
makes the next one: a main part, the sorted rows of it that are removed or replaced
(tombstones), and a small fresh part (the delta) of codes added since it was built."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from clearinghouse.index.multi_index import MultiIndex

__all__ = ["NO_IDS", "State", "apply", "as_ids", "contains", "last_of_each"]

NO_IDS = np.empty(0, np.int64)


@dataclass(frozen=True)
class State:
    main: MultiIndex
    dead: np.ndarray  # sorted int64 rows of main that are removed or replaced
    delta_ids: np.ndarray  # int64
    delta_codes: np.ndarray  # (m, nbytes) uint8

    def __len__(self) -> int:
        return len(self.main) - self.dead.size + self.delta_ids.size

    @cached_property
    def _delta_order(self) -> np.ndarray:
        return np.argsort(self.delta_ids)

    def values_of(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The code held under each of ``ids`` and whether one is: (codes, found)."""
        codes = np.zeros((ids.size, self.delta_codes.shape[1]), np.uint8)
        rows = self.main.rows_of(ids)
        found = rows >= 0
        if self.dead.size and found.any():
            found[found] = ~contains(self.dead, rows[found])
        codes[found] = self.main.codes[rows[found]]
        if self.delta_ids.size:
            order = self._delta_order
            pos = np.minimum(np.searchsorted(self.delta_ids, ids, sorter=order), order.size - 1)
            fresh = self.delta_ids[order[pos]] == ids
            codes[fresh] = self.delta_codes[order[pos[fresh]]]
            found |= fresh
        return codes, found


def as_ids(ids: object) -> np.ndarray:
    """``ids`` as a one-dimensional int64 array; ValueError unless they are integers."""
    arr = np.asarray(ids)
    if arr.ndim != 1 or (arr.size and not np.issubdtype(arr.dtype, np.integer)):
        raise ValueError("ids must be a one-dimensional integer array")
    return arr.astype(np.int64, copy=False)


def last_of_each(ids: np.ndarray) -> np.ndarray:
    """Positions of the last occurrence of every distinct id (a later add wins)."""
    _, first_in_reversed = np.unique(ids[::-1], return_index=True)
    return np.sort(ids.size - 1 - first_in_reversed)


def contains(sorted_values: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Membership of each of ``values`` in the sorted array ``sorted_values``."""
    pos = np.searchsorted(sorted_values, values)
    pos[pos == sorted_values.size] = 0
    return sorted_values[pos] == values


def apply(state: State, rm: np.ndarray, ids: np.ndarray, codes: np.ndarray) -> State:
    """The state after removing ``rm`` and then adding (or replacing) ``ids``."""
    touched = np.concatenate((rm, ids))
    if touched.size == 0:
        return state
    rows = state.main.rows_of(touched)
    dead = state.dead
    rows = rows[rows >= 0]
    if rows.size:
        dead = np.union1d(dead, rows).astype(np.int64)
    keep = ~np.isin(state.delta_ids, touched)
    delta_ids = np.concatenate((state.delta_ids[keep], ids))
    delta_codes = np.concatenate((state.delta_codes[keep], codes))
    return State(state.main, dead, delta_ids, delta_codes)
