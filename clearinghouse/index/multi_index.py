"""The immutable main part of a Hamming index: codes plus direct-addressed chunk tables.

Rows are kept in ascending id order, so an id finds its row by binary search and no id
map is stored; ids are stored as uint32 while they fit (they are signal ids, dense from
1), else as int64. Each chunk has a CSR table: ``offsets[v] : offsets[v + 1]`` delimits the
rows whose chunk value is ``v`` inside ``postings``. All chunks share one ``offsets`` and
one ``postings`` array, so a whole probe plan is answered by a handful of vectorised
gathers: offsets of every probe, the row ranges they delimit, then a popcount of the
candidates' codes against the query. Candidates are verified before they are deduplicated
(duplicates are rare and only among true near neighbours), which keeps the hot path free
of sorting.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import faiss
import numpy as np

from clearinghouse.index.chunks import Layout, ProbePlan, choose_layout, flat_cost_ns, probe_plan
from clearinghouse.index.flat import range_search

__all__ = ["MultiIndex"]

# Below this many codes a flat scan is always cheaper than keeping tables.
MIN_TABLE_CODES = 2048
# Ids up to this are kept as uint32 (4 bytes a code), larger ones as int64.
_MAX_NARROW_ID = 2**32 - 1


class MultiIndex:
    """Codes sorted by id with GPH chunk tables; never mutated after construction."""

    def __init__(
        self,
        nbits: int,
        ids: np.ndarray,
        codes: np.ndarray,
        layout: Layout | None,
        offsets: np.ndarray | None,
        postings: np.ndarray | None,
    ) -> None:
        self.nbits = nbits
        self.ids = ids
        self.codes = codes
        self.words = codes.view("<u8")
        self.layout = layout
        self.offsets = offsets
        self.postings = postings
        self._plans: dict[int, ProbePlan | None] = {}

    def __len__(self) -> int:
        return int(self.ids.size)

    @classmethod
    def build(
        cls,
        nbits: int,
        ids: np.ndarray,
        codes: np.ndarray,
        *,
        chunk_bits: tuple[int, ...] | None = None,
        tuned_distance: int = 31,
        workers: int = 2,
    ) -> MultiIndex:
        """Build from unique int64 ids and (n, nbits/8) uint8 codes in any order."""
        order = np.argsort(ids, kind="stable")
        ids = np.ascontiguousarray(ids[order], dtype=np.int64)
        codes = np.ascontiguousarray(codes[order])
        if ids.size > 1 and np.any(ids[1:] == ids[:-1]):
            raise ValueError("ids must be unique")
        if ids.size and ids[0] >= 0 and ids[-1] <= _MAX_NARROW_ID:
            ids = ids.astype(np.uint32)  # half the bytes; signal ids are dense from 1
        n = ids.size
        if chunk_bits is not None:
            layout = Layout.from_widths(nbits, chunk_bits)
        elif n < MIN_TABLE_CODES:
            return cls(nbits, ids, codes, None, None, None)
        else:
            layout = choose_layout(nbits, n, tuned_distance)
        offsets, postings = cls._build_tables(layout, codes.view("<u8"), workers)
        return cls(nbits, ids, codes, layout, offsets, postings)

    @classmethod
    def from_arrays(
        cls, nbits: int, arrays: dict[str, np.ndarray], chunk_bits: list[int] | None
    ) -> MultiIndex:
        """Reassemble a part saved by ``arrays()``; ValueError/KeyError if it does not fit."""
        ids, codes = arrays["main_ids"], arrays["main_codes"]
        n = ids.size
        if ids.dtype not in (np.int64, np.uint32) or ids.ndim != 1 or np.any(ids[1:] <= ids[:-1]):
            raise ValueError("main ids are not unique ascending int64 or uint32")
        if codes.dtype != np.uint8 or codes.shape != (n, nbits // 8):
            raise ValueError("main codes have the wrong shape")
        if chunk_bits is None:
            if "main_offsets" in arrays or n >= MIN_TABLE_CODES:
                raise ValueError("main part without chunk tables")
            return cls(nbits, ids, codes, None, None, None)
        layout = Layout.from_widths(nbits, chunk_bits)
        offsets, postings = arrays["main_offsets"], arrays["main_postings"]
        if (
            offsets.dtype not in (np.uint32, np.int64)
            or offsets.shape != (int(layout.table_sizes().sum()),)
            or postings.dtype != np.int32
            or postings.shape != (n * layout.nchunks,)
        ):
            raise ValueError("chunk tables have the wrong shape")
        if n and (postings.min() < 0 or postings.max() >= n):
            raise ValueError("chunk postings out of range")
        ends = np.cumsum(layout.table_sizes()) - 1
        if np.any(offsets[ends] != np.arange(1, layout.nchunks + 1) * n) or not np.all(
            offsets[1:] >= offsets[:-1]
        ):
            raise ValueError("chunk offsets are inconsistent")
        return cls(nbits, ids, codes, layout, offsets, postings)

    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays that make up this part, for a snapshot."""
        out = {"main_ids": self.ids, "main_codes": self.codes}
        if self.offsets is not None:
            out["main_offsets"] = self.offsets
            out["main_postings"] = self.postings
        return out

    @staticmethod
    def _build_tables(
        layout: Layout, words: np.ndarray, workers: int
    ) -> tuple[np.ndarray, np.ndarray]:
        n = words.shape[0]
        sizes = layout.table_sizes()
        offsets_dtype = np.uint32 if n * layout.nchunks < 2**32 else np.int64
        offsets = np.empty(int(sizes.sum()), dtype=offsets_dtype)
        postings = np.empty(n * layout.nchunks, dtype=np.int32)
        table_starts = np.concatenate(([0], np.cumsum(sizes)))
        rows = np.arange(n, dtype=np.uint64)

        def build_chunk(i: int) -> None:
            w, s, b = layout.words[i], layout.shifts[i], layout.widths[i]
            values = (words[:, w] >> np.uint64(s)) & np.uint64((1 << b) - 1)
            counts = np.bincount(values.astype(np.int64), minlength=1 << b)
            table = offsets[table_starts[i] : table_starts[i + 1]]
            table[0] = i * n
            np.cumsum(counts, out=table[1:])
            table[1:] += i * n
            # Sorting (value << 32 | row) as one uint64 is a fast SIMD sort and leaves
            # rows ascending inside each value bucket.
            keys = np.sort((values << np.uint64(32)) | rows)
            postings[i * n : (i + 1) * n] = keys & np.uint64(0xFFFFFFFF)

        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            list(pool.map(build_chunk, range(layout.nchunks)))
        return offsets, postings

    def rows_of(self, ids: np.ndarray) -> np.ndarray:
        """Row of each id, or -1 where the id is not in this part."""
        ids = np.asarray(ids, np.int64)
        inside = np.ones(ids.shape, bool)
        if self.ids.dtype == np.uint32:
            # Searched as uint32 (a mixed search would copy every id to int64 first).
            inside = (ids >= 0) & (ids <= _MAX_NARROW_ID)
            ids = np.where(inside, ids, 0).astype(np.uint32)
        pos = np.searchsorted(self.ids, ids)
        found = inside & (pos < self.ids.size)
        found[found] = self.ids[pos[found]] == ids[found]
        return np.where(found, pos, -1)

    def plan(self, r: int) -> ProbePlan | None:
        """The probe plan for distance ``r``, or None when a flat scan is cheaper."""
        if r not in self._plans:
            plan = None
            if self.layout is not None and r + 1 <= sum(w + 1 for w in self.layout.widths):
                plan = probe_plan(self.layout, r, len(self))
                if plan.cost_ns > flat_cost_ns(len(self)):
                    plan = None
            self._plans[r] = plan
        return self._plans[r]

    def search(
        self, queries: np.ndarray, r: int, *, force_tables: bool = False
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every (query, row) within ``r``, unique: (query numbers, rows, distances).

        ``queries`` is a C-contiguous (q, nbytes) uint8 array. ``force_tables`` uses the
        chunk tables even where a flat scan would be cheaper (for tests).
        """
        plan = self.plan(r)
        if force_tables and plan is None and self.layout is not None:
            plan = probe_plan(self.layout, r, len(self))
        if plan is None:
            return range_search(queries, self.codes, r)
        nq = queries.shape[0]
        # Table slot of every probe of every query, then its [start, end) in postings.
        slots = self.layout.values(queries.view("<u8"))[:, plan.chunk]
        slots ^= plan.mask
        slots += plan.base
        slots = slots.reshape(-1)
        starts = self.offsets.take(slots).astype(np.int64)
        slots += 1
        lens = self.offsets.take(slots).astype(np.int64)
        lens -= starts
        ends = np.cumsum(lens)
        total = int(ends[-1])
        if total == 0:
            return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int32)
        # Concatenate the ranges: output position j reads postings[start + j - range_first].
        gather = np.repeat(starts - ends + lens, lens)
        gather += np.arange(total, dtype=np.int64)
        cand = self.postings.take(gather)
        candidate_codes = self.codes.take(cand, axis=0)
        dist = np.empty(total, dtype=np.int32)
        per_query = ends[plan.chunk.size - 1 :: plan.chunk.size]
        faiss.omp_set_num_threads(1)  # per calling thread; see flat.range_search
        first = 0
        for q in range(nq):
            last = int(per_query[q])
            if last > first:
                faiss.hammings(
                    faiss.swig_ptr(queries[q]),
                    faiss.swig_ptr(candidate_codes[first:last]),
                    1,
                    last - first,
                    candidate_codes.shape[1],
                    faiss.swig_ptr(dist[first:last]),
                )
            first = last
        hit = np.flatnonzero(dist <= r)
        rows = cand.take(hit).astype(np.int64)
        dist = dist.take(hit)
        qnums = np.searchsorted(per_query, hit, side="right") if nq > 1 else np.zeros_like(rows)
        # Deduplicate (query, row) pairs found through more than one chunk.
        _, first_seen = np.unique(qnums * len(self) + rows, return_index=True)
        return qnums[first_seen], rows[first_seen], dist[first_seen]
