"""An exact, incremental Hamming index: immutable main part + small fresh part + tombstones.

Every write builds a new immutable ``State`` and swaps it in with one attribute store, so
a lookup reads one consistent state without taking a lock; writers are serialised by a
lock. Fresh additions go to the delta (brute-force scanned by faiss); removals of main rows
are tombstones. ``compact()`` folds both into a new main part built off to the side from a
frozen state; writes that land meanwhile are journaled and replayed onto the new state
before it is swapped in, so a lookup during compaction neither errors nor misses.
"""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from clearinghouse.index.flat import as_code_matrix, range_search
from clearinghouse.index.hamming_state import (
    NO_IDS,
    State,
    apply,
    as_ids,
    contains,
    last_of_each,
)
from clearinghouse.index.multi_index import MultiIndex
from clearinghouse.index.protocol import Matches, check_limit

__all__ = ["HammingIndex"]

log = logging.getLogger(__name__)

# Queries per task when a batch is spread over threads: small enough that a slice's
# candidate codes (~5,000 per query at 10^7) stay in the core's L2 cache.
_BATCH_SLICE = 16


class HammingIndex:
    """Exact range search over ``nbits``-bit codes keyed by int64 ids.

    Implements ``SignalIndex``. Thread safety: ``search``/``search_many``/``len`` may run
    in any number of threads concurrently with one another and with writers (``add``,
    ``remove``, ``update``, ``compact``, ``save``); writers are serialised internally.
    """

    def __init__(
        self,
        nbits: int,
        *,
        chunk_bits: tuple[int, ...] | None = None,
        tuned_distance: int | None = None,
        delta_limit: int = 20_000,
        auto_compact: bool = True,
        workers: int | None = None,
        force_tables: bool = False,
    ) -> None:
        if nbits <= 0 or nbits % 64:
            raise ValueError("nbits must be a positive multiple of 64")
        self.nbits = nbits
        self.nbytes = nbits // 8
        self.chunk_bits = tuple(chunk_bits) if chunk_bits is not None else None
        self.tuned_distance = tuned_distance if tuned_distance is not None else (nbits * 31) // 256
        self.delta_limit = delta_limit
        self.auto_compact = auto_compact
        self.workers = workers or os.cpu_count() or 1
        self._force_tables = force_tables
        empty_codes = np.empty((0, self.nbytes), np.uint8)
        self._state = State(self._build(NO_IDS, empty_codes), NO_IDS, NO_IDS, empty_codes)
        self._write_lock = threading.Lock()
        self._compact_lock = threading.Lock()
        self._journal: list[tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None
        self._compactor: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def _build(self, ids: np.ndarray, codes: np.ndarray) -> MultiIndex:
        return MultiIndex.build(
            self.nbits,
            ids,
            codes,
            chunk_bits=self.chunk_bits,
            tuned_distance=self.tuned_distance,
            workers=self.workers,
        )

    def __len__(self) -> int:
        return len(self._state)

    # -- writes ------------------------------------------------------------------------

    def add(self, ids: object, codes: object) -> None:
        """Add codes under ids; an id already present has its code replaced."""
        self.update(add_ids=ids, add_codes=codes)

    def remove(self, ids: object) -> None:
        """Remove ids; ids not present are ignored."""
        self.update(remove_ids=ids)

    def update(
        self, *, add_ids: object = None, add_codes: object = None, remove_ids: object = None
    ) -> None:
        """Apply removals then additions as one atomic change seen whole by lookups."""
        rm = as_ids(remove_ids) if remove_ids is not None else NO_IDS
        if add_ids is not None:
            ids = as_ids(add_ids)
            codes = as_code_matrix(add_codes, self.nbytes)
            if ids.size != codes.shape[0]:
                raise ValueError(f"{ids.size} ids for {codes.shape[0]} codes")
            keep = last_of_each(ids)
            ids, codes = ids[keep], codes[keep]
        else:
            ids, codes = NO_IDS, np.empty((0, self.nbytes), np.uint8)
        with self._write_lock:
            self._state = apply(self._state, rm, ids, codes)
            if self._journal is not None:
                self._journal.append((rm, ids, codes))
            if self.auto_compact and self._needs_compaction():
                self._start_background_compaction()

    def _needs_compaction(self) -> bool:
        s = self._state
        return s.delta_ids.size + s.dead.size > self.delta_limit

    def _start_background_compaction(self) -> None:
        if self._compactor is not None and self._compactor.is_alive():
            return
        self._compactor = threading.Thread(
            target=self._compact_in_background, name="hamming-compaction", daemon=True
        )
        self._compactor.start()

    def _compact_in_background(self) -> None:
        try:
            self.compact()
        except Exception:  # a failed compaction leaves the index as it was: still exact
            log.exception("background compaction failed")

    def compact(self) -> None:
        """Merge the delta and tombstones into a new main part, without blocking lookups."""
        with self._compact_lock:
            with self._write_lock:
                frozen = self._state
                if frozen.delta_ids.size == 0 and frozen.dead.size == 0:
                    return
                self._journal = []
            try:
                new_main = self._folded(frozen)
            except BaseException:
                with self._write_lock:
                    self._journal = None
                raise
            with self._write_lock:
                empty_codes = np.empty((0, self.nbytes), np.uint8)
                state = State(new_main, NO_IDS, NO_IDS, empty_codes)
                for rm, add_ids, add_codes in self._journal:
                    state = apply(state, rm, add_ids, add_codes)
                self._state = state
                self._journal = None

    def _folded(self, frozen: State) -> MultiIndex:
        """A main part holding exactly the live codes of ``frozen``."""
        main = frozen.main
        if frozen.delta_ids.size == 0 and frozen.dead.size == 0:
            return main
        live = np.ones(len(main), dtype=bool)
        live[frozen.dead] = False
        ids = np.concatenate((main.ids[live], frozen.delta_ids))
        codes = np.concatenate((main.codes[live], frozen.delta_codes))
        return self._build(ids, codes)

    def wait_for_compaction(self, timeout: float | None = None) -> None:
        """Block until a running background compaction (if any) has finished."""
        worker = self._compactor
        if worker is not None:
            worker.join(timeout)

    # -- lookups -----------------------------------------------------------------------

    @property
    def memory_bytes(self) -> int:
        """Bytes of the arrays that make up the index (main part, delta, tombstones)."""
        return sum(a.nbytes for a in self.snapshot_arrays()[0].values())

    def values_of(self, ids: object) -> tuple[np.ndarray, np.ndarray]:
        """The code indexed under each of ``ids`` (zeros where none is) and whether one
        is: ((len(ids), nbytes) uint8, bool), from one consistent state."""
        return self._state.values_of(as_ids(ids))

    def search(self, code: object, max_distance: int, *, limit: int | None = None) -> Matches:
        """``search_many`` for one code."""
        return self.search_many(code, max_distance, limit=limit)[0]

    def search_many(
        self, queries: object, max_distance: int, *, limit: int | None = None
    ) -> list[Matches]:
        """Ids within ``max_distance`` of each query code, nearest first (see SignalIndex).

        ``queries`` is an (n, nbytes) uint8 array, one code, or a list of ``nbytes``-byte
        values. Large batches are cut into slices spread over the worker threads; each slice
        keeps only its ``limit`` nearest per query, so memory follows the limit.
        """
        queries = as_code_matrix(queries, self.nbytes)
        if not 0 <= max_distance <= self.nbits:
            raise ValueError(f"max_distance must be within 0..{self.nbits}")
        check_limit(limit)
        state = self._state
        nq = queries.shape[0]
        if nq == 0:
            return []

        # Slices keep the candidate arrays small enough to stay in cache, and spread over
        # threads (the gathers and faiss release the GIL).
        def run(start: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
            part = queries[start : start + _BATCH_SLICE]
            qnums, ids, dists = self._search_state(state, part, max_distance)
            return _nearest(qnums, ids, dists, part.shape[0], limit)

        starts = range(0, nq, _BATCH_SLICE)
        if len(starts) == 1 or self.workers == 1:
            parts = [run(start) for start in starts]
        else:
            parts = list(self._thread_pool().map(run, starts))
        out = []
        for ids, dists, bounds, totals in parts:
            for q in range(totals.size):
                lo, hi = int(bounds[q]), int(bounds[q + 1])
                out.append(Matches(ids[lo:hi], dists[lo:hi], int(totals[q])))
        return out

    def _thread_pool(self) -> ThreadPoolExecutor:
        if self._pool is None:
            with self._pool_lock:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="hamming")
        return self._pool

    def _search_state(
        self, state: State, queries: np.ndarray, r: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Unsorted (query number, id, distance) triples of one state."""
        qm, rows, dm = state.main.search(queries, r, force_tables=self._force_tables)
        if state.dead.size and rows.size:
            alive = ~contains(state.dead, rows)
            qm, rows, dm = qm[alive], rows[alive], dm[alive]
        qd, drows, dd = range_search(queries, state.delta_codes, r)
        qnums = np.concatenate((qm, qd))
        ids = np.concatenate((state.main.ids[rows], state.delta_ids[drows]))
        return qnums, ids, np.concatenate((dm, dd))

    # -- snapshots ---------------------------------------------------------------------

    def snapshot_arrays(self) -> tuple[dict[str, np.ndarray], dict[str, object]]:
        """The arrays and JSON metadata of one consistent state, as ``save`` writes them.

        For indexes built on this one (vPDQ) that add arrays of their own to a snapshot;
        ``from_snapshot_arrays`` takes them back.
        """
        state = self._state
        arrays = state.main.arrays()
        arrays.update(dead=state.dead, delta_ids=state.delta_ids, delta_codes=state.delta_codes)
        layout = state.main.layout
        meta = {"nbits": state.main.nbits, "chunk_bits": list(layout.widths) if layout else None}
        return arrays, meta

    def folded_snapshot_arrays(self) -> tuple[dict[str, np.ndarray], dict[str, object]]:
        """``snapshot_arrays`` with the delta and tombstones folded into the main part (built
        aside from one consistent state; the index itself is unchanged)."""
        main = self._folded(self._state)
        arrays = main.arrays()
        no_codes = np.empty((0, self.nbytes), np.uint8)
        arrays.update(dead=NO_IDS, delta_ids=NO_IDS, delta_codes=no_codes)
        layout = main.layout
        return arrays, {"nbits": main.nbits, "chunk_bits": list(layout.widths) if layout else None}

    def save(self, path: str | os.PathLike[str], position: int, *, wait: bool = True) -> None:
        """Write an atomic, checksummed snapshot reflecting change-sequence ``position``.

        With ``wait=False``, raise SnapshotBusy instead of waiting for another writer.
        """
        from clearinghouse.index.snapshot import write_snapshot

        arrays, meta = self.snapshot_arrays()
        write_snapshot(Path(path), "hamming", arrays, meta, position, wait=wait)

    @classmethod
    def load(
        cls, path: str | os.PathLike[str], *, nbits: int | None = None, **options: object
    ) -> tuple[HammingIndex, int]:
        """Read a snapshot: (index, position); SnapshotError if missing, corrupt or mismatched."""
        from clearinghouse.index.snapshot import read_snapshot

        arrays, meta, position = read_snapshot(Path(path), "hamming")
        return cls.from_snapshot_arrays(arrays, meta, nbits=nbits, **options), position

    @classmethod
    def from_snapshot_arrays(
        cls,
        arrays: dict[str, np.ndarray],
        meta: dict[str, object],
        *,
        nbits: int | None = None,
        **options: object,
    ) -> HammingIndex:
        """An index from ``snapshot_arrays()`` output (extra arrays are ignored);
        SnapshotError if they do not fit together or ``nbits`` differs."""
        from clearinghouse.index.snapshot import SnapshotError, check_snapshot

        stored_bits = meta.get("nbits")
        check_snapshot(isinstance(stored_bits, int), "snapshot has no code width")
        check_snapshot(nbits is None or stored_bits == nbits, "snapshot code width differs")
        index = cls(stored_bits, **options)  # type: ignore[arg-type]
        try:
            main = MultiIndex.from_arrays(stored_bits, arrays, meta.get("chunk_bits"))
            dead, delta_ids = arrays["dead"], arrays["delta_ids"]
            delta_codes = arrays["delta_codes"]
        except (KeyError, ValueError, TypeError) as exc:
            raise SnapshotError(f"snapshot main part unusable: {exc}") from exc
        check_snapshot(
            dead.dtype == np.int64
            and delta_ids.dtype == np.int64
            and delta_codes.dtype == np.uint8
            and delta_codes.shape == (delta_ids.size, index.nbytes)
            and np.unique(delta_ids).size == delta_ids.size
            and (dead.size == 0 or (dead.min() >= 0 and dead.max() < len(main)))
            and bool(np.all(np.diff(dead) > 0)),
            "snapshot delta or tombstones malformed",
        )
        index._state = State(main, dead, delta_ids, delta_codes)
        return index


def _nearest(
    qnums: np.ndarray, ids: np.ndarray, dists: np.ndarray, nq: int, limit: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(ids, distances) by (query, distance, id), at most ``limit`` per query; then the
    bounds of each query's run in them and each query's total before the limit."""
    order = np.lexsort((ids, dists, qnums))
    qnums, ids, dists = qnums[order], ids[order], dists[order].astype(np.int32, copy=False)
    bounds = np.searchsorted(qnums, np.arange(nq + 1))
    totals = np.diff(bounds)
    if limit is not None and ids.size > limit:
        rank = np.arange(ids.size) - bounds[qnums]
        keep = rank < limit
        ids, dists = ids[keep], dists[keep]
        bounds = np.concatenate(([0], np.cumsum(np.minimum(totals, limit))))
    return ids, dists, bounds, totals
