"""The columns the signal states are kept in (``signal_states.SignalStates``): numpy
arrays indexed by signal id, the interned tables their rows point into, and how a value's
text becomes its bytes.

A row is 29 bytes beside its value: two times (16), an interned label set (4), the
contributor count (4), type, status, flags and quality (5). Fixed-size values (32 bytes
a row) are held here only while the states are built in memory; states mapped from a
snapshot generation read them from that generation's indexes instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from clearinghouse.signals.registry import default_registry
from clearinghouse.wire import iso

__all__ = [
    "COLUMNS",
    "DISPUTED",
    "HAS_QUALITY",
    "PRESENT",
    "TEXT",
    "VALUE_BYTES",
    "Columns",
    "Interned",
    "as_text",
    "default_wire",
    "fixed",
    "iso_ms",
    "row_width",
]

VALUE_BYTES = 32  # the widest fixed-size value (PDQ, SHA-256)
# Flag bits.
PRESENT = 1
HAS_QUALITY = 2
DISPUTED = 4
TEXT = 8
GROWTH = 1.25  # capacity grows by a quarter, so at most a fifth of it stands empty
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MS = timedelta(milliseconds=1)

COLUMNS = {
    "flags": np.uint8,
    "kind": np.uint8,  # 1 + position of the type among the sorted type names
    "status": np.uint8,  # position in the interned statuses
    "quality": np.int16,  # the store's SMALLINT
    "first_seen": np.int64,  # milliseconds since the epoch: the precision of entry times
    "last_seen": np.int64,
    "labels": np.uint32,  # position in the interned label sets
    "contributors": np.uint32,
}


class Interned:
    """Distinct values stored once, each known by its position."""

    def __init__(self) -> None:
        self.values: list[Any] = []
        self._positions: dict[Any, int] = {}

    def position(self, key: Any, value: Any) -> int:
        found = self._positions.get(key)
        if found is None:
            # Appended before the position is published, so a reader never misses it.
            self.values.append(value)
            found = self._positions[key] = len(self.values) - 1
        return found


class Columns:
    """One generation of the arrays; replaced whole when it grows. ``values`` is None when
    fixed-size values are read from the indexes instead."""

    def __init__(self, capacity: int, old: Columns | None = None, *, values: bool = True) -> None:
        self.capacity = capacity
        keep_values = values if old is None else old.values is not None
        self.values = np.zeros((capacity, VALUE_BYTES), np.uint8) if keep_values else None
        self.arrays = {name: np.zeros(capacity, dtype) for name, dtype in COLUMNS.items()}
        if old is not None:
            n = old.capacity
            if self.values is not None:
                self.values[:n] = old.values
            for name, array in self.arrays.items():
                array[:n] = old.arrays[name]

    @classmethod
    def wrap(cls, values: np.ndarray | None, arrays: dict[str, np.ndarray]) -> Columns:
        """Columns over existing (e.g. mapped copy-on-write) arrays, without copying."""
        cols = cls(0)
        cols.capacity = arrays["flags"].shape[0]
        cols.values, cols.arrays = values, arrays
        return cols

    def grown(self, size: int) -> Columns:
        """These columns if they hold ``size`` rows, else a copy with room for them."""
        if size <= self.capacity:
            return self
        return Columns(max(size, int(self.capacity * GROWTH), 1024), self)

    @property
    def nbytes(self) -> int:
        values = 0 if self.values is None else self.values.nbytes
        return values + sum(a.nbytes for a in self.arrays.values())

    def copied(self, size: int) -> dict[str, np.ndarray]:
        """The columns' first rows, zero-padded or cut to ``size`` rows (no values)."""
        out = {}
        used = min(size, self.capacity)
        for name, dtype in COLUMNS.items():
            out[name] = np.zeros(size, dtype)
            out[name][:used] = self.arrays[name][:used]
        return out

    @staticmethod
    def checked(arrays: Any) -> dict[str, np.ndarray]:
        """The columns among ``arrays`` (a snapshot part's); ValueError unless each is
        there with its dtype and all have one length."""
        size = arrays["flags"].shape[0]
        columns = {}
        for name, dtype in COLUMNS.items():
            column = arrays[name]
            if column.dtype != dtype or column.shape != (size,):
                raise ValueError(f"state column {name} has the wrong shape")
            columns[name] = column
        return columns


def row_width(width: int) -> int:
    """A type's value width as held in a row: 0 (kept as text) when wider than a row."""
    return width if width <= VALUE_BYTES else 0  # wider values (SHA-512) stay text


def as_text(text: str) -> object:
    return text


def default_wire(names: Sequence[str]) -> dict[str, Callable[[str], object]]:
    """How the default registry shows each of ``names`` that it knows."""
    registry = default_registry()
    return {name: registry.get(name).wire_value for name in names if name in registry}


def fixed(text: str, width: int) -> bytes | None:
    """The value's bytes when ``text`` is exactly their lowercase hex, else None."""
    if not width or len(text) != 2 * width:
        return None
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        return None
    return raw if raw.hex() == text else None


def iso_ms(ms: int) -> str:
    """Milliseconds since the epoch as the wire's time."""
    return iso(EPOCH + ms * MS)
