"""The state of every signal, held in memory beside the matching indexes (DESIGN §5).

A matched lookup answers each signal with what its contributions and feedback add up
to: labels with counts, contributors, confirmed, disputed, first and last seen. Reading
that from the database cost three queries per lookup; here it is kept in columns —
numpy arrays indexed by signal id, which the store hands out densely from 1 — filled by
the log follower from the same change pages, under the same cursor, as the indexes
(``Matcher.catch_up``). A lookup reads the columns and touches no database.

About 60 bytes a signal (``memory_bytes``): the value's bytes (32), two times (16), an
interned label set (4), the contributor count (4), type, status, flags and quality (5).
Label sets are few (a handful of taxonomy labels and their counts) and shared by many
signals, so each distinct one is stored once. vPDQ values (JSON frame lists) and any
value whose text is not the plain lowercase hex of its bytes are kept as text.

One writer at a time (``update``); readers never lock. A reader sees either the old or
the new columns, and a signal written while it reads may show some fields of its new
state and some of its old — as separate database queries could before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from clearinghouse.domain import is_confirmed, is_disputed
from clearinghouse.signals.registry import default_registry
from clearinghouse.store.state_pages import StatePage
from clearinghouse.wire import iso

__all__ = ["SignalStates"]

VALUE_BYTES = 32  # the widest fixed-size value (PDQ, SHA-256)
PRESENT, HAS_QUALITY, DISPUTED, TEXT = 1, 2, 4, 8  # flag bits
GROWTH = 1.25  # capacity grows by a quarter, so at most a fifth of it stands empty
HEADROOM_ROWS = 1 << 16  # empty rows a snapshot keeps at least, for signals to come
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MS = timedelta(milliseconds=1)

_COLUMNS = {
    "flags": np.uint8,
    "kind": np.uint8,  # 1 + position of the type among the sorted type names
    "status": np.uint8,  # position in the interned statuses
    "quality": np.int16,  # the store's SMALLINT
    "first_seen": np.int64,  # milliseconds since the epoch: the precision of entry times
    "last_seen": np.int64,
    "labels": np.uint32,  # position in the interned label sets
    "contributors": np.uint32,
}


class _Interned:
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


class _Columns:
    """One generation of the arrays; replaced whole when it grows."""

    def __init__(self, capacity: int, old: _Columns | None = None) -> None:
        self.capacity = capacity
        self.values = np.zeros((capacity, VALUE_BYTES), np.uint8)
        self.arrays = {name: np.zeros(capacity, dtype) for name, dtype in _COLUMNS.items()}
        if old is not None:
            n = old.capacity
            self.values[:n] = old.values
            for name, array in self.arrays.items():
                array[:n] = old.arrays[name]

    @classmethod
    def wrap(cls, values: np.ndarray, arrays: dict[str, np.ndarray]) -> _Columns:
        """Columns over existing (e.g. mapped copy-on-write) arrays, without copying."""
        cols = cls(0)
        cols.capacity, cols.values, cols.arrays = values.shape[0], values, arrays
        return cols

    @property
    def nbytes(self) -> int:
        return self.values.nbytes + sum(a.nbytes for a in self.arrays.values())


class SignalStates:
    """What each signal of this process's indexes is shown as in a match."""

    def __init__(
        self,
        value_widths: Mapping[str, int],
        wire_values: Mapping[str, Callable[[str], object]] | None = None,
    ) -> None:
        """``value_widths``: each signal type's value size in bytes (``value_bytes``), or
        0 for types whose values are kept as text (vPDQ); values wider than a row are kept
        as text too. ``wire_values``: how a type's text is shown (``SignalType.wire_value``;
        by default the default registry's type of that name, else the text itself)."""
        self._names = tuple(sorted(value_widths))
        self._kinds = {name: n + 1 for n, name in enumerate(self._names)}
        self._widths = (0, *(_row_width(value_widths[name]) for name in self._names))
        wire = _default_wire(self._names) if wire_values is None else wire_values
        self._wire = (_as_text, *(wire.get(name, _as_text) for name in self._names))
        self._columns = _Columns(0)
        self._label_sets = _Interned()
        self._label_keys: dict[tuple, int] = {}  # contributions' label lists → label set
        self._statuses = _Interned()
        self._texts: dict[int, str] = {}
        self._write = threading.Lock()
        self.count = 0  # signals held

    @property
    def memory_bytes(self) -> int:
        """Bytes of the columns (at capacity) and of the few label sets and texts."""
        labels = sum(64 + 80 * len(d) for d in self._label_sets.values)
        texts = sum(64 + len(t) for t in self._texts.values())
        return self._columns.nbytes + labels + texts

    def snapshot_arrays(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """The columns, with empty rows after the highest id held (room for the signals
        that come before the next snapshot without growing), and the interned tables as
        JSON. Rows written meanwhile may be torn; a load replays every change stamped at
        or after the snapshot's position, which rewrites them whole."""
        cols = self._columns
        held = np.flatnonzero(cols.arrays["flags"] & PRESENT)
        used = int(held[-1]) + 1 if held.size else 0
        size = used + max(HEADROOM_ROWS, used // 8)
        values = np.zeros((size, VALUE_BYTES), np.uint8)
        values[:used] = cols.values[:used]
        arrays = {"values": values}
        for name, dtype in _COLUMNS.items():
            arrays[name] = np.zeros(size, dtype)
            arrays[name][:used] = cols.arrays[name][:used]
        # The tables only grow, and are read after the columns: every position a copied
        # row names is in them.
        meta = {
            "names": list(self._names),
            "widths": list(self._widths[1:]),
            "label_sets": [sorted(d.items()) for d in list(self._label_sets.values)],
            "statuses": list(self._statuses.values),
            "texts": {str(k): v for k, v in list(self._texts.items())},
            "count": int(held.size),
        }
        return arrays, meta

    @classmethod
    def from_snapshot_arrays(
        cls,
        value_widths: Mapping[str, int],
        arrays: Mapping[str, np.ndarray],
        meta: dict,
        wire_values: Mapping[str, Callable[[str], object]] | None = None,
    ) -> SignalStates:
        """States over ``snapshot_arrays()`` output, using the arrays in place (map them
        copy-on-write: updates then change this process's pages only). ValueError if they
        do not fit ``value_widths``."""
        states = cls(value_widths, wire_values)
        if meta.get("names") != list(states._names) or meta.get("widths") != list(
            states._widths[1:]
        ):
            raise ValueError("states of other signal types or value widths")
        values = arrays["values"]
        size = values.shape[0]
        if values.dtype != np.uint8 or values.shape != (size, VALUE_BYTES):
            raise ValueError("state values have the wrong shape")
        columns = {}
        for name, dtype in _COLUMNS.items():
            column = arrays[name]
            if column.dtype != dtype or column.shape != (size,):
                raise ValueError(f"state column {name} has the wrong shape")
            columns[name] = column
        for shown in meta["label_sets"]:
            labels = {str(label): int(count) for label, count in shown}
            states._label_sets.position(tuple(labels.items()), labels)
        for status in meta["statuses"]:
            states._statuses.position(status, status)
        states._texts = {int(k): str(v) for k, v in meta["texts"].items()}
        states._columns = _Columns.wrap(values, columns)
        states.count = int(meta["count"])
        return states

    def update(self, page: StatePage) -> None:
        """Hold the current state of each signal of ``page`` (signals of unknown types
        are skipped). Requires every active contribution of those signals in the page, as
        ``store.state_pages`` reads them."""
        if not page.ids:
            return
        kinds = np.fromiter((self._kinds.get(t, 0) for t in page.types), np.uint8, len(page.ids))
        known = kinds != 0
        ids = np.asarray(page.ids, np.int64)
        flags = np.full(len(ids), PRESENT, np.uint8)
        quality = np.zeros(len(ids), np.int16)
        for n, q in enumerate(page.qualities):
            if q is not None:
                flags[n] |= HAS_QUALITY
                quality[n] = q
        row = {sid: n for n, sid in enumerate(page.ids)}
        contributors = np.zeros(len(ids), np.uint32)
        held: dict[int, list[tuple[str, ...]]] = {}
        for sid, labels in page.labels:
            held.setdefault(sid, []).append(labels)
        label_sets = np.zeros(len(ids), np.uint32)
        empty = self._label_sets.position((), {})
        label_sets[:] = empty
        for sid, lists in held.items():
            n = row[sid]
            contributors[n] = len(lists)
            label_sets[n] = self._label_set(lists)
        for n, balance in enumerate(page.balance):
            if balance is not None and is_disputed(balance):
                flags[n] |= DISPUTED
        statuses = np.fromiter(
            (self._statuses.position(s, s) for s in page.statuses), np.uint8, len(ids)
        )
        values = self._values(page, kinds, flags)
        with self._write:
            ids, keep = ids[known], known
            if not ids.size:
                return
            cols = self._grown(int(ids.max()) + 1)
            fresh = int(np.count_nonzero(cols.arrays["flags"][ids] & PRESENT == 0))
            fields = {
                "flags": flags,
                "kind": kinds,
                "status": statuses,
                "quality": quality,
                "first_seen": page.first_seen,
                "last_seen": page.last_seen,
                "labels": label_sets,
                "contributors": contributors,
            }
            for name, column in fields.items():
                cols.arrays[name][ids] = column[keep]
            cols.values[ids] = values[keep]
            self.count += fresh

    def _label_set(self, lists: list[tuple[str, ...]]) -> int:
        """The position of the labels-with-counts of contributions with these labels."""
        key = lists[0] if len(lists) == 1 else tuple(sorted(lists))
        found = self._label_keys.get(key)
        if found is None:
            counts: dict[str, int] = {}
            for labels in lists:
                for label in labels:
                    counts[label] = counts.get(label, 0) + 1
            shown = dict(sorted(counts.items()))
            found = self._label_sets.position(tuple(shown.items()), shown)
            self._label_keys[key] = found
        return found

    def _values(self, page: StatePage, kinds: np.ndarray, flags: np.ndarray) -> np.ndarray:
        """Fixed-size values as bytes, in one conversion per type where every value is
        plain lowercase hex; the rest are kept as text (flag ``TEXT``)."""
        values = np.zeros((len(page.ids), VALUE_BYTES), np.uint8)
        for kind in np.unique(kinds).tolist():
            width = self._widths[kind] if kind else 0
            rows = np.flatnonzero(kinds == kind)
            texts = [page.values[n] for n in rows.tolist()]
            joined = "".join(texts)
            raw = _fixed(joined, width * len(texts)) if width else None
            if raw is not None:
                values[rows, :width] = np.frombuffer(raw, np.uint8).reshape(-1, width)
                if self._texts:
                    for n in rows.tolist():
                        self._texts.pop(page.ids[n], None)
                continue
            for n, text in zip(rows.tolist(), texts, strict=True):
                one = _fixed(text, width)
                if one is None:
                    flags[n] |= TEXT
                    self._texts[page.ids[n]] = text
                else:
                    values[n, :width] = np.frombuffer(one, np.uint8)
                    self._texts.pop(page.ids[n], None)
        return values

    def _grown(self, size: int) -> _Columns:
        cols = self._columns
        if size > cols.capacity:
            cols = _Columns(max(size, int(cols.capacity * GROWTH), 1024), cols)
            self._columns = cols  # readers pick up the new generation whole
        return cols

    def describe_many(self, ids: Sequence[int], confirm_threshold: int) -> dict[int, dict]:
        """The public shape of each held signal among ``ids`` (as ``signal_views.describe``
        gives it from the database); ids not held are left out."""
        cols = self._columns
        wanted = np.asarray(ids, np.int64)
        wanted = wanted[(wanted >= 0) & (wanted < cols.capacity)]
        a = cols.arrays
        wanted = wanted[a["flags"][wanted] & PRESENT != 0]
        if not wanted.size:
            return {}
        rows = zip(
            wanted.tolist(),
            a["flags"][wanted].tolist(),
            a["kind"][wanted].tolist(),
            a["status"][wanted].tolist(),
            a["quality"][wanted].tolist(),
            a["first_seen"][wanted].tolist(),
            a["last_seen"][wanted].tolist(),
            a["labels"][wanted].tolist(),
            a["contributors"][wanted].tolist(),
            strict=True,
        )
        values = cols.values[wanted]
        out = {}
        for n, (sid, flags, kind, status, quality, first, last, labels, count) in enumerate(rows):
            name = self._names[kind - 1]
            if flags & TEXT:
                value = self._wire[kind](self._texts[sid])
            else:
                value = values[n, : self._widths[kind]].tobytes().hex()
            shown = {
                "signal_id": sid,
                "signal_type": name,
                "value": value,
                "status": self._statuses.values[status],
                "labels": dict(self._label_sets.values[labels]),
                "contributors": count,
                "confirmed": is_confirmed(count, confirm_threshold),
                "disputed": bool(flags & DISPUTED),
                "first_seen": _iso(first),
                "last_seen": _iso(last),
            }
            if flags & HAS_QUALITY:
                shown["quality"] = quality
            out[sid] = shown
        return out


def _row_width(width: int) -> int:
    return width if width <= VALUE_BYTES else 0  # wider values (SHA-512) stay text


def _as_text(text: str) -> object:
    return text


def _default_wire(names: Sequence[str]) -> dict[str, Callable[[str], object]]:
    registry = default_registry()
    return {name: registry.get(name).wire_value for name in names if name in registry}


def _fixed(text: str, width: int) -> bytes | None:
    """The value's bytes when ``text`` is exactly their lowercase hex, else None."""
    if not width or len(text) != 2 * width:
        return None
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        return None
    return raw if raw.hex() == text else None


def _iso(ms: int) -> str:
    return iso(EPOCH + ms * MS)
