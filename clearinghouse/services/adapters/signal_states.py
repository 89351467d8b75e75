"""The state of every signal, held in memory beside the matching indexes (DESIGN §5).

A matched lookup answers each signal with what its contributions and feedback add up
to: labels with counts, contributors, confirmed, disputed, first and last seen. Reading
that from the database cost three queries per lookup; here it is kept in columns
(``signal_state_columns``) indexed by signal id, which the store hands out densely from
1, filled by the log follower from the same change pages, under the same cursor, as the
indexes (``Matcher.catch_up``). A lookup reads the columns and touches no database.

Label sets are few (a handful of taxonomy labels and their counts) and shared by many
signals, so each distinct one is stored once. vPDQ values (JSON frame lists) and any
value whose text is not the plain lowercase hex of its bytes are kept as text.

Built in memory, the states hold each fixed-size value (32 bytes a row). Mapped from a
snapshot generation they hold none: an active signal's value is read from the
generation's index of its type, which holds exactly the active signals (the same pages
feed both, the states first), and the values of the few signals that are not active are
kept beside the columns (``kept_ids``/``kept_values`` in the file, a dictionary for
changes since).

One writer at a time (``update``); readers never lock. A reader sees either the old or
the new columns, and a signal written while it reads may show some fields of its new
state and some of its old — as separate database queries could before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from clearinghouse.domain import is_confirmed, is_disputed
from clearinghouse.services.adapters.signal_state_columns import (
    DISPUTED,
    HAS_QUALITY,
    PRESENT,
    TEXT,
    VALUE_BYTES,
    Columns,
    Interned,
    as_text,
    default_wire,
    fixed,
    iso_ms,
    row_width,
)
from clearinghouse.store.state_pages import StatePage

__all__ = ["SignalStates", "ValuesOf"]

HEADROOM_ROWS = 1 << 16  # empty rows a snapshot keeps at least, for signals to come
HEADROOM_SHARE = 64  # … or this fraction of the rows held, whichever is more
ACTIVE = "active"  # the one status whose signals the indexes hold

# (signal type, ids) → (their values as (len(ids), width) uint8 rows, found mask)
ValuesOf = Callable[[str, np.ndarray], tuple[np.ndarray, np.ndarray]]
_NO_IDS = np.empty(0, np.int64)


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
        self._widths = (0, *(row_width(value_widths[name]) for name in self._names))
        wire = default_wire(self._names) if wire_values is None else wire_values
        self._wire = (as_text, *(wire.get(name, as_text) for name in self._names))
        self._columns = Columns(0)
        self._label_sets = Interned()
        self._label_keys: dict[tuple, int] = {}  # contributions' label lists → label set
        self._statuses = Interned()
        self._texts: dict[int, str] = {}
        # Mapped: values of active signals from the indexes, of the others kept here.
        self._values_of: ValuesOf | None = None
        self._kept_ids, self._kept_values = _NO_IDS, np.empty((0, VALUE_BYTES), np.uint8)
        self._kept: dict[int, bytes] = {}
        self._write = threading.Lock()
        self.count = 0  # signals held

    @property
    def memory_bytes(self) -> int:
        """Bytes of the columns (at capacity) and of the few label sets and texts."""
        labels = sum(64 + 80 * len(d) for d in self._label_sets.values)
        texts = sum(64 + len(t) for t in self._texts.values())
        kept = self._kept_values.nbytes + self._kept_ids.nbytes + 120 * len(self._kept)
        return self._columns.nbytes + labels + texts + kept

    # -- snapshot generations -----------------------------------------------------------

    def snapshot_arrays(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """The columns, with empty rows after the highest id held (room for the signals
        that come before the next snapshot without growing), the values of the signals
        held that are not active, and the interned tables as JSON. Rows written meanwhile
        may be torn; a load replays every change stamped at or after the snapshot's
        position, which rewrites them whole."""
        cols = self._columns
        flags = cols.arrays["flags"]
        held = np.flatnonzero(flags & PRESENT)
        used = int(held[-1]) + 1 if held.size else 0
        arrays = cols.copied(used + max(HEADROOM_ROWS, used // HEADROOM_SHARE))
        kept_ids = held[(flags[held] & TEXT == 0) & ~self._active(cols.arrays["status"][held])]
        values, found = self._kept_rows(cols, kept_ids)
        arrays["kept_ids"], arrays["kept_values"] = kept_ids[found].astype(np.int64), values[found]
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
        values_of: ValuesOf,
        wire_values: Mapping[str, Callable[[str], object]] | None = None,
    ) -> SignalStates:
        """States over ``snapshot_arrays()`` output, using the arrays in place (map them
        copy-on-write: updates then change this process's pages only), reading active
        signals' values through ``values_of`` (the same generation's indexes). ValueError
        if they do not fit ``value_widths``."""
        states = cls(value_widths, wire_values)
        if meta.get("names") != list(states._names) or meta.get("widths") != list(
            states._widths[1:]
        ):
            raise ValueError("states of other signal types or value widths")
        columns = Columns.checked(arrays)
        kept_ids, kept_values = arrays["kept_ids"], arrays["kept_values"]
        if (
            kept_ids.dtype != np.int64
            or kept_values.dtype != np.uint8
            or kept_values.shape != (kept_ids.size, VALUE_BYTES)
            or bool(np.any(kept_ids[1:] <= kept_ids[:-1]))
        ):
            raise ValueError("kept state values malformed")
        for shown in meta["label_sets"]:
            labels = {str(label): int(count) for label, count in shown}
            states._label_sets.position(tuple(labels.items()), labels)
        for status in meta["statuses"]:
            states._statuses.position(status, status)
        states._texts = {int(k): str(v) for k, v in meta["texts"].items()}
        states._columns = Columns.wrap(None, columns)
        states._values_of = values_of
        states._kept_ids, states._kept_values = kept_ids, kept_values
        states.count = int(meta["count"])
        return states

    # -- writes -------------------------------------------------------------------------

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
            if cols.values is None:
                self._keep(ids, statuses[keep], flags[keep], values[keep])
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
            if cols.values is not None:
                cols.values[ids] = values[keep]
            self.count += fresh

    def _keep(self, ids: np.ndarray, statuses: np.ndarray, flags: np.ndarray, values) -> None:
        """Mapped: keep the values of signals that are not active (the indexes drop them)."""
        kept = ~self._active(statuses) & (flags & TEXT == 0)
        for sid, value, k in zip(ids.tolist(), values, kept.tolist(), strict=True):
            if k:
                self._kept[sid] = value.tobytes()
            else:
                self._kept.pop(sid, None)

    def _active(self, statuses: np.ndarray) -> np.ndarray:
        """Which interned status positions are the active status."""
        try:
            return statuses == self._statuses.values.index(ACTIVE)
        except ValueError:
            return np.zeros(statuses.shape, bool)

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
            raw = fixed(joined, width * len(texts)) if width else None
            if raw is not None:
                values[rows, :width] = np.frombuffer(raw, np.uint8).reshape(-1, width)
                if self._texts:
                    for n in rows.tolist():
                        self._texts.pop(page.ids[n], None)
                continue
            for n, text in zip(rows.tolist(), texts, strict=True):
                one = fixed(text, width)
                if one is None:
                    flags[n] |= TEXT
                    self._texts[page.ids[n]] = text
                else:
                    values[n, :width] = np.frombuffer(one, np.uint8)
                    self._texts.pop(page.ids[n], None)
        return values

    def _grown(self, size: int) -> Columns:
        cols = self._columns.grown(size)
        self._columns = cols  # readers pick up the new generation whole
        return cols

    # -- reads --------------------------------------------------------------------------

    def _kept_rows(self, cols: Columns, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Values of signals that are not active: (rows, found)."""
        if cols.values is not None:
            return cols.values[ids], np.ones(ids.size, bool)
        values = np.zeros((ids.size, VALUE_BYTES), np.uint8)
        found = np.zeros(ids.size, bool)
        if self._kept_ids.size and ids.size:
            pos = np.minimum(np.searchsorted(self._kept_ids, ids), self._kept_ids.size - 1)
            found = self._kept_ids[pos] == ids
            values[found] = self._kept_values[pos[found]]
        kept = self._kept
        for n, sid in enumerate(ids.tolist()):
            value = kept.get(sid)
            if value is not None:
                values[n] = np.frombuffer(value, np.uint8)
                found[n] = True
        return values, found

    def _row_values(self, cols: Columns, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The fixed-size value of each wanted row: (rows, found)."""
        if cols.values is not None or self._values_of is None:
            return cols.values[wanted], np.ones(wanted.size, bool)
        a = cols.arrays
        values = np.zeros((wanted.size, VALUE_BYTES), np.uint8)
        found = a["flags"][wanted] & TEXT != 0  # shown from their text
        active = self._active(a["status"][wanted]) & ~found
        kinds = a["kind"][wanted]
        for kind in np.unique(kinds[active]).tolist():
            rows = np.flatnonzero(active & (kinds == kind))
            width = self._widths[kind]
            codes, hit = self._values_of(self._names[kind - 1], wanted[rows])
            values[rows[hit], :width] = codes[hit]
            found[rows[hit]] = True
        rest = np.flatnonzero(~found & ~active)
        if rest.size:
            kept, hit = self._kept_rows(cols, wanted[rest])
            values[rest[hit]] = kept[hit]
            found[rest[hit]] = True
        return values, found

    def describe_many(self, ids: Sequence[int], confirm_threshold: int) -> dict[int, dict]:
        """The public shape of each held signal among ``ids`` (as ``signal_views.describe``
        gives it from the database); ids not held are left out."""
        cols = self._columns
        wanted = np.asarray(ids, np.int64)
        wanted = wanted[(wanted >= 0) & (wanted < cols.capacity)]
        a = cols.arrays
        wanted = wanted[a["flags"][wanted] & PRESENT != 0]
        values, found = self._row_values(cols, wanted)
        # A signal the indexes dropped while this lookup ran: left out, as if not found.
        wanted, values = wanted[found], values[found]
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
                "first_seen": iso_ms(first),
                "last_seen": iso_ms(last),
            }
            if flags & HAS_QUALITY:
                shown["quality"] = quality
            out[sid] = shown
        return out
