"""Region aliases: many PDQ codes per signal, found as the signal itself (DESIGN §15).

The region ladder of a PDQ signal (up to ``SLOTS`` codes) is indexed in a Hamming index
of its own under alias ids ``signal_id * SLOTS + slot``; a lookup maps each alias back to
its signal by integer division and keeps, per signal, the nearest of its regions. So a
region match names only its signal and distance, never the region. Exact like the
index it wraps: every alias within ``max_distance`` counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from clearinghouse.index.hamming import HammingIndex
from clearinghouse.index.protocol import Matches, check_limit

__all__ = ["SLOTS", "RegionAliases"]

SLOTS = 16  # alias ids per signal: at least REGIONS_PER_ITEM_LIMIT, the regions an item


class RegionAliases:
    """Region codes of signals, searched in signal-id space. Thread-safe like HammingIndex."""

    def __init__(self, nbits: int = 256, *, tuned_distance: int | None = 31) -> None:
        self.codes = HammingIndex(nbits, tuned_distance=tuned_distance)

    def __len__(self) -> int:
        """Number of region codes indexed."""
        return len(self.codes)

    @property
    def memory_bytes(self) -> int:
        return self.codes.memory_bytes

    def replace(
        self, signal_ids: Iterable[int], regions: Mapping[int, Sequence[tuple[int, bytes]]]
    ) -> None:
        """Drop every region of ``signal_ids``, then index ``regions`` (``signal_id ->
        [(slot, code)]``, for some of them) in one change seen whole by lookups."""
        drop = _all_slots(signal_ids)
        ids, codes = [], []
        for sid, rows in regions.items():
            for slot, code in rows:
                if not 0 <= slot < SLOTS:
                    raise ValueError(f"region slot {slot} outside 0..{SLOTS - 1}")
                ids.append(sid * SLOTS + slot)
                codes.append(code)
        if codes:
            matrix = np.frombuffer(b"".join(codes), np.uint8).reshape(len(codes), -1)
            self.codes.update(remove_ids=drop, add_ids=np.asarray(ids, np.int64), add_codes=matrix)
        elif len(self.codes):
            self.codes.update(remove_ids=drop)

    def remove(self, signal_ids: Iterable[int]) -> None:
        """Drop every region of these signals."""
        self.codes.remove(_all_slots(signal_ids))

    def search_many(
        self, queries: object, max_distance: int, *, limit: int | None = None
    ) -> list[Matches]:
        """Per query, the signals with a region within ``max_distance`` at the distance of
        their nearest region, nearest first; ``total`` counts signals, not regions."""
        check_limit(limit)
        out = []
        for found in self.codes.search_many(queries, max_distance):
            sids = found.ids // SLOTS
            # ``found`` is ordered by (distance, alias id): the first of each signal is its nearest.
            _, first = np.unique(sids, return_index=True)
            first.sort()
            ids, dists = sids[first], found.distances[first]
            order = np.lexsort((ids, dists))
            ids, dists = ids[order], dists[order]
            total = int(ids.size)
            if limit is not None:
                ids, dists = ids[:limit], dists[:limit]
            out.append(Matches(ids, dists, total))
        return out


def _all_slots(signal_ids: Iterable[int]) -> np.ndarray:
    base = np.asarray(list(signal_ids), np.int64) * SLOTS
    return (base[:, None] + np.arange(SLOTS, dtype=np.int64)[None, :]).ravel()
