"""TMK+PDQF video matching: a faiss inner-product scan of level-1 vectors, then level 2.

Stage one is exact: every indexed video whose level-1 score (the cosine of the average
frame features; here the inner product of the unit vectors, by ``faiss.IndexFlatIP``
range search) reaches the level-1 threshold is a candidate — no approximate structure
that could drop one. Stage two computes the reference level-2 score of each candidate
(``signals/tmk_scores.py``) and keeps those reaching the level-2 threshold, best first.

Memory: 1 KiB a video for the level-1 vector (twice while faiss holds its copy) and
256 KiB for its level-2 cosine/sine features, held as one array per video beside the
faiss index. Work per query is bounded: at most ``max_candidates`` (best level-1 first)
go to level 2; when more pass level 1 the answer says so through ``total``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np

from clearinghouse.index.protocol import Matches, check_limit
from clearinghouse.signals.tmk import (
    REFERENCE_COEFFICIENTS,
    REFERENCE_PERIODS,
    TMK_DIMENSION,
    TmkFeatures,
    read_tmk,
)
from clearinghouse.signals.tmk_scores import (
    DEFAULT_LEVEL1_THRESHOLD,
    DEFAULT_LEVEL2_THRESHOLD,
    level2_scores,
)

__all__ = ["TmkIndex", "TmkMatches"]

_LEVEL2_SHAPE = (2, len(REFERENCE_PERIODS), REFERENCE_COEFFICIENTS.size, TMK_DIMENSION)
_LEVEL2_CHUNK = 32
_PER_MILLE = 1e3  # a match's distance: 1 − level-2 score, in thousandths
_SLACK = 1e-5  # float32 inner products of unit vectors vs the reference's float32 cosine


@dataclass(frozen=True, eq=False)
class TmkMatches(Matches):
    """Matches of one TMK query with both scores, best level-2 score first.

    ``distances`` are ``round(1000 × (1 − level2))`` so the common ``Matches`` order
    (nearest first) is the level-2 order; ``level1`` and ``level2`` are the scores."""

    level1: np.ndarray = field(default_factory=lambda: np.empty(0, np.float64))
    level2: np.ndarray = field(default_factory=lambda: np.empty(0, np.float64))

    def match_scores(self) -> dict[int, dict[str, float]]:
        """What each match says beyond its distance: both scores, as the reference prints
        them (6 decimals)."""
        levels = zip(self.level1.tolist(), self.level2.tolist(), strict=True)
        return {
            sid: {"level1_score": round(one, 6), "level2_score": round(two, 6)}
            for sid, (one, two) in zip(self.ids.tolist(), levels, strict=True)
        }


@dataclass(frozen=True)
class _Generation:
    """What a lookup reads at once: faiss rows and the id of each row."""

    flat: faiss.IndexFlatIP
    ids: np.ndarray  # int64, row → signal id


class TmkIndex:
    """Videos as TMK+PDQF feature vectors, keyed by int64 signal id. Implements ``SignalIndex``.

    Thread safety: lookups read one immutable generation (the faiss rows and their ids)
    and the per-id level-2 arrays; writers build the next generation under a lock and
    publish it in one assignment. Level-2 arrays are added before and dropped after the
    generation that names them, so a lookup never finds a row without its features.
    """

    def __init__(
        self,
        *,
        level1_threshold: float = DEFAULT_LEVEL1_THRESHOLD,
        level2_threshold: float = DEFAULT_LEVEL2_THRESHOLD,
        max_candidates: int = 512,
    ) -> None:
        self.level1_threshold = level1_threshold
        self.level2_threshold = level2_threshold
        self.max_candidates = max_candidates
        self._generation = _Generation(faiss.IndexFlatIP(TMK_DIMENSION), np.empty(0, np.int64))
        self._level2: dict[int, np.ndarray] = {}
        self._write_lock = threading.Lock()

    def __len__(self) -> int:
        return int(self._generation.ids.size)

    @property
    def memory_bytes(self) -> int:
        """Level-1 rows (numpy and faiss copies) plus the level-2 arrays."""
        n = len(self)
        return n * (2 * 4 * TMK_DIMENSION + 8) + sum(a.nbytes for a in self._level2.values())

    # -- writes ---------------------------------------------------------------------------

    def add(self, ids: Sequence[int] | np.ndarray, values: Sequence[object]) -> None:
        """Index each video (``TmkFeatures`` or ``.tmk`` bytes) under its id; replaces."""
        ids = [int(i) for i in ids]
        features = [_features(v) for v in values]
        if len(ids) != len(features):
            raise ValueError(f"{len(ids)} ids for {len(features)} videos")
        if any(i < 0 for i in ids):
            raise ValueError("ids must be >= 0")
        if not ids:
            return
        last = dict(zip(ids, features, strict=True))  # a repeated id keeps its last value
        new_ids = np.fromiter(last, np.int64, len(last))
        rows = np.stack([f.level1_vector for f in last.values()]).astype(np.float32)
        with self._write_lock:
            for id_, f in last.items():
                self._level2[id_] = np.stack((f.cos, f.sin)).astype(np.float32)
            old = self._generation
            keep = ~np.isin(old.ids, new_ids)
            vectors = _vectors(old.flat)[keep]
            self._publish(np.concatenate((old.ids[keep], new_ids)), np.vstack((vectors, rows)))

    def remove(self, ids: Sequence[int] | np.ndarray) -> None:
        """Remove videos; ids not present are ignored."""
        gone = np.asarray(list(ids), np.int64)
        with self._write_lock:
            old = self._generation
            keep = ~np.isin(old.ids, gone)
            if keep.all():
                return
            self._publish(old.ids[keep], _vectors(old.flat)[keep])
            for id_ in gone.tolist():
                self._level2.pop(id_, None)

    def _publish(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        flat = faiss.IndexFlatIP(TMK_DIMENSION)
        if ids.size:
            flat.add(np.ascontiguousarray(vectors, np.float32))
        self._generation = _Generation(flat, ids)

    # -- lookups --------------------------------------------------------------------------

    def search_many(
        self,
        queries: Sequence[object],
        max_distance: int = 0,
        *,
        limit: int | None = None,
        level1_threshold: float | None = None,
        level2_threshold: float | None = None,
    ) -> list[TmkMatches]:
        """The matching videos of each query (``TmkFeatures`` or ``.tmk`` bytes), in query
        order. ``max_distance`` is not used by TMK (the thresholds are); each answer keeps
        the ``limit`` best level-2 scores and counts every match."""
        check_limit(limit)
        t1 = self.level1_threshold if level1_threshold is None else level1_threshold
        t2 = self.level2_threshold if level2_threshold is None else level2_threshold
        features = [_features(q) for q in queries]
        if not features:
            return []
        generation = self._generation
        if not generation.ids.size:
            return [_matches([], [], [], 0, limit) for _ in features]
        vectors = np.stack([f.level1_vector for f in features]).astype(np.float32)
        faiss.omp_set_num_threads(1)  # as index/flat.py: lookups run in many threads at once
        lims, sims, rows = generation.flat.range_search(vectors, float(t1) - _SLACK)
        out = []
        for q, query in enumerate(features):
            lo, hi = int(lims[q]), int(lims[q + 1])
            level1, found = sims[lo:hi].astype(np.float64), generation.ids[rows[lo:hi]]
            order = np.lexsort((found, -level1))[: self.max_candidates]
            level1, found = level1[order], found[order]
            arrays = [self._level2.get(int(i)) for i in found]
            present = np.array([a is not None for a in arrays], bool)
            level1, found = level1[present], found[present]
            arrays = [a for a in arrays if a is not None]
            level2 = _level2_in_chunks(query, arrays)
            good = level2 >= t2
            passed_level1 = hi - lo
            total = int(good.sum()) + max(0, passed_level1 - self.max_candidates)
            out.append(_matches(found[good], level1[good], level2[good], total, limit))
        return out

    def search(self, query: object, **thresholds: float) -> list[tuple[int, float, float]]:
        """``(id, level1, level2)`` of every match of one query, best level-2 first."""
        found = self.search_many([query], **thresholds)[0]
        return list(
            zip(found.ids.tolist(), found.level1.tolist(), found.level2.tolist(), strict=True)
        )

    # -- snapshots ------------------------------------------------------------------------

    def snapshot_arrays(self) -> tuple[dict[str, np.ndarray], dict[str, object]]:
        """The arrays and metadata a snapshot holds (``from_snapshot_arrays`` reads them)."""
        with self._write_lock:
            generation = self._generation
            if len(self):
                level2 = np.stack([self._level2[int(i)] for i in generation.ids])
            else:
                level2 = np.empty((0, *_LEVEL2_SHAPE), np.float32)
            arrays = {"ids": generation.ids, "level1": _vectors(generation.flat), "level2": level2}
        return arrays, {"dimension": TMK_DIMENSION}

    @classmethod
    def from_snapshot_arrays(
        cls, arrays: dict[str, np.ndarray], meta: dict[str, object], **options: object
    ) -> TmkIndex:
        """An index from ``snapshot_arrays``' output; SnapshotError if they do not fit."""
        from clearinghouse.index.snapshot import check_snapshot

        ids, level1, level2 = (arrays.get(k) for k in ("ids", "level1", "level2"))
        check_snapshot(meta.get("dimension") == TMK_DIMENSION, "snapshot of another dimension")
        check_snapshot(
            ids is not None
            and level1 is not None
            and level2 is not None
            and ids.dtype == np.int64
            and level1.dtype == np.float32
            and level2.dtype == np.float32
            and level1.shape == (ids.size, TMK_DIMENSION)
            and level2.shape == (ids.size, *_LEVEL2_SHAPE)
            and np.unique(ids).size == ids.size,
            "snapshot arrays malformed",
        )
        index = cls(**options)  # type: ignore[arg-type]
        index._level2 = {int(i): level2[n] for n, i in enumerate(ids.tolist())}
        index._publish(ids, level1)
        return index

    def save(self, path: str | os.PathLike[str], position: int, *, wait: bool = True) -> None:
        """Write an atomic, checksummed snapshot reflecting change-sequence ``position``."""
        from clearinghouse.index.snapshot import write_snapshot

        arrays, meta = self.snapshot_arrays()
        write_snapshot(Path(path), "tmk", arrays, meta, position, wait=wait)

    @classmethod
    def load(cls, path: str | os.PathLike[str], **options: object) -> tuple[TmkIndex, int]:
        """Read a snapshot: (index, position); SnapshotError if missing, corrupt or mismatched."""
        from clearinghouse.index.snapshot import read_snapshot

        arrays, meta, position = read_snapshot(Path(path), "tmk")
        return cls.from_snapshot_arrays(arrays, meta, **options), position


def _level2_in_chunks(query: TmkFeatures, arrays: list[np.ndarray]) -> np.ndarray:
    """Level-2 scores, a few candidates at a time: each holds 256 KiB of features."""
    parts = [np.empty(0, np.float64)]
    for start in range(0, len(arrays), _LEVEL2_CHUNK):
        chunk = arrays[start : start + _LEVEL2_CHUNK]
        parts.append(level2_scores(query, [a[0] for a in chunk], [a[1] for a in chunk]))
    return np.concatenate(parts)


def _features(value: object) -> TmkFeatures:
    if isinstance(value, TmkFeatures):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return read_tmk(bytes(value))
    raise ValueError(f"expected TmkFeatures or .tmk bytes, got {type(value).__name__}")


def _vectors(flat: faiss.IndexFlatIP) -> np.ndarray:
    if flat.ntotal == 0:
        return np.empty((0, TMK_DIMENSION), np.float32)
    return (
        faiss.rev_swig_ptr(flat.get_xb(), flat.ntotal * TMK_DIMENSION)
        .reshape(flat.ntotal, TMK_DIMENSION)
        .copy()
    )


def _matches(ids, level1, level2, total: int, limit: int | None) -> TmkMatches:
    ids = np.asarray(ids, np.int64)
    level1, level2 = np.asarray(level1, np.float64), np.asarray(level2, np.float64)
    order = np.lexsort((ids, -level2))
    if limit is not None:
        order = order[:limit]
    distances = np.rint(_PER_MILLE * (1 - np.clip(level2[order], -1, 1))).astype(np.int32)
    return TmkMatches(ids[order], distances, total, level1=level1[order], level2=level2[order])
