"""vPDQ video matching over a Hamming index of PDQ frame hashes (DESIGN §3.1).

A query video matches an indexed video when the share of query frames within
``max_distance`` of some frame of the indexed video is at least ``query_match_pct``, and
the share of the indexed video's frames within ``max_distance`` of some query frame is at
least ``index_match_pct``. Frames are counted as given: quality filtering and frame
deduplication are the caller's choice. Frame ids pack the video id and the frame number
(``video_id << 20 | frame``), so a frame hit names its video without a lookup table.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from clearinghouse.index.flat import as_code_matrix
from clearinghouse.index.hamming import HammingIndex
from clearinghouse.index.protocol import Matches, check_limit

__all__ = ["TooManyCandidates", "VpdqIndex", "VpdqMatch", "VpdqMatches"]

FRAME_BITS = 20
MAX_FRAMES = 1 << FRAME_BITS
MAX_VIDEO_ID = (1 << (63 - FRAME_BITS)) - 1


class TooManyCandidates(ValueError):
    """A query frame is within the distance of more indexed frames than ``frame_candidates``:
    the lookup would cost too much (and say little), so it is refused, not cut short."""

    def __init__(self, found: int, most: int) -> None:
        super().__init__(f"a query frame is near {found} indexed frames; at most {most}")
        self.found = found
        self.most = most


@dataclass(frozen=True, eq=False)
class VpdqMatches(Matches):
    """Matches of one vPDQ query with both frame shares, in percent, as HMA reports vPDQ:
    ``query_match_percent`` of the query's frames matched a frame of the video, and
    ``compared_match_percent`` of the video's frames matched a frame of the query."""

    query_match_percent: np.ndarray = field(default_factory=lambda: np.empty(0, np.float64))
    compared_match_percent: np.ndarray = field(default_factory=lambda: np.empty(0, np.float64))

    def match_scores(self) -> dict[int, dict[str, float]]:
        """What each match says beyond its distance: its two frame shares."""
        query, compared = self.query_match_percent.tolist(), self.compared_match_percent.tolist()
        return {
            sid: {"query_match_percent": round(q, 2), "compared_match_percent": round(c, 2)}
            for sid, q, c in zip(self.ids.tolist(), query, compared, strict=True)
        }


@dataclass(frozen=True)
class VpdqMatch:
    """One matching video with both shares, in percent."""

    video_id: int
    query_match_pct: float
    index_match_pct: float


class VpdqIndex:
    """Videos as lists of 256-bit PDQ frame codes, keyed by int64 video id.

    Implements ``SignalIndex``. Thread safety as for HammingIndex: lookups run alongside
    writers; writers serialise.
    """

    def __init__(
        self,
        *,
        max_distance: int = 31,
        query_match_pct: float = 80.0,
        index_match_pct: float = 0.0,
        frame_candidates: int | None = None,
        **hamming_options: object,
    ) -> None:
        self.max_distance = max_distance
        # Frames kept per query frame (the nearest); more within the distance is refused.
        self.frame_candidates = frame_candidates
        self.query_match_pct = query_match_pct
        self.index_match_pct = index_match_pct
        self.frames = HammingIndex(256, **hamming_options)  # type: ignore[arg-type]
        self._nframes: dict[int, int] = {}
        self._write_lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._nframes)

    def add(self, ids: Iterable[int], videos: Iterable[object]) -> None:
        """Index each video (an (m, 32) uint8 array of frame codes) under its id; replaces."""
        ids = [int(i) for i in ids]
        videos = [as_code_matrix(v, 32) for v in videos]
        if len(ids) != len(videos):
            raise ValueError(f"{len(ids)} ids for {len(videos)} videos")
        for id_, frames in zip(ids, videos, strict=True):
            if not 0 <= id_ <= MAX_VIDEO_ID:
                raise ValueError(f"video id {id_} outside 0..{MAX_VIDEO_ID}")
            if not 0 < frames.shape[0] <= MAX_FRAMES:
                raise ValueError(f"video {id_} must have 1..{MAX_FRAMES} frames")
        if not ids:
            return
        frame_ids = np.concatenate(
            [_frame_ids(i, f.shape[0]) for i, f in zip(ids, videos, strict=True)]
        )
        with self._write_lock:
            self.frames.update(
                remove_ids=self._frame_ids_of(ids),
                add_ids=frame_ids,
                add_codes=np.concatenate(videos),
            )
            for id_, frames in zip(ids, videos, strict=True):
                self._nframes[id_] = frames.shape[0]

    def remove(self, ids: Iterable[int]) -> None:
        """Remove videos; ids not present are ignored."""
        ids = [int(i) for i in ids]
        with self._write_lock:
            self.frames.remove(self._frame_ids_of(ids))
            for id_ in ids:
                self._nframes.pop(id_, None)

    def _frame_ids_of(self, ids: list[int]) -> np.ndarray:
        parts = [_frame_ids(i, self._nframes[i]) for i in ids if i in self._nframes]
        return np.concatenate(parts) if parts else np.empty(0, np.int64)

    def compact(self) -> None:
        """Compact the frame index (see HammingIndex.compact)."""
        self.frames.compact()

    @property
    def memory_bytes(self) -> int:
        """Bytes of the frame index plus an estimate for the per-video frame counts."""
        return self.frames.memory_bytes + 100 * len(self._nframes)

    def search(
        self,
        frames: object,
        *,
        max_distance: int | None = None,
        query_match_pct: float | None = None,
        index_match_pct: float | None = None,
    ) -> list[VpdqMatch]:
        """Videos matching the query frames, by query share then index share (desc), then id."""
        return self._search_videos([frames], max_distance, query_match_pct, index_match_pct)[0]

    def search_many(
        self, queries: Sequence[object], max_distance: int, *, limit: int | None = None
    ) -> list[Matches]:
        """Matching videos of each query video (see SignalIndex), with the thresholds given
        at construction. A match's distance is the share of query frames that matched no
        frame of the video, in whole percent; ``max_distance`` is per frame."""
        check_limit(limit)
        out = []
        for found in self._search_videos(queries, max_distance, None, None):
            ranked = sorted((round(100 - m.query_match_pct), m.video_id, m) for m in found)
            kept = ranked if limit is None else ranked[:limit]
            out.append(
                VpdqMatches(
                    np.array([v for _, v, _ in kept], dtype=np.int64),
                    np.array([d for d, _, _ in kept], dtype=np.int32),
                    len(ranked),
                    query_match_percent=np.array([m.query_match_pct for *_, m in kept]),
                    compared_match_percent=np.array([m.index_match_pct for *_, m in kept]),
                )
            )
        return out

    def _search_videos(
        self,
        queries: Sequence[object],
        max_distance: int | None,
        query_match_pct: float | None,
        index_match_pct: float | None,
    ) -> list[list[VpdqMatch]]:
        """The frames of every query video go to the frame index as one batch."""
        videos = [as_code_matrix(q, 32) for q in queries]
        if any(v.shape[0] == 0 for v in videos):
            raise ValueError("a vPDQ query needs at least one frame")
        if not videos:
            return []
        r = self.max_distance if max_distance is None else max_distance
        q_min = self.query_match_pct if query_match_pct is None else query_match_pct
        i_min = self.index_match_pct if index_match_pct is None else index_match_pct
        most = self.frame_candidates
        hits = self.frames.search_many(np.concatenate(videos), r, limit=most)
        if most is not None:
            worst = max((m.total for m in hits), default=0)
            if worst > most:
                raise TooManyCandidates(worst, most)
        out, first = [], 0
        for video in videos:
            mine = hits[first : first + video.shape[0]]
            first += video.shape[0]
            out.append(self._shares(mine, video.shape[0], q_min, i_min))
        return out

    def _shares(
        self, hits: list[Matches], nframes: int, q_min: float, i_min: float
    ) -> list[VpdqMatch]:
        qnums = np.repeat(np.arange(nframes, dtype=np.int64), [m.ids.size for m in hits])
        frame_ids = np.concatenate([m.ids for m in hits])
        videos = frame_ids >> FRAME_BITS
        matched_query = _distinct_per_video(videos, qnums)
        matched_index = _distinct_per_video(videos, frame_ids)
        counts = self._nframes
        out = []
        for video, n_query in matched_query.items():
            total = counts.get(video)
            if total is None:  # removed while this lookup ran
                continue
            q_pct = 100.0 * n_query / nframes
            i_pct = 100.0 * matched_index[video] / total
            if q_pct >= q_min and i_pct >= i_min:
                out.append(VpdqMatch(video, q_pct, i_pct))
        out.sort(key=lambda m: (-m.query_match_pct, -m.index_match_pct, m.video_id))
        return out

    def snapshot_arrays(
        self, *, folded: bool = False
    ) -> tuple[dict[str, np.ndarray], dict[str, object]]:
        """The arrays and JSON metadata ``save`` writes; ``folded`` folds the frames'
        delta into their main part first (for snapshot generations)."""
        with self._write_lock:
            frames = self.frames
            counts = sorted(self._nframes.items())
        if folded:
            arrays, meta = frames.folded_snapshot_arrays()
        else:
            arrays, meta = frames.snapshot_arrays()
        arrays["video_ids"] = np.array([v for v, _ in counts], dtype=np.int64)
        arrays["video_frames"] = np.array([n for _, n in counts], dtype=np.int64)
        return arrays, meta

    def save(self, path: str | os.PathLike[str], position: int, *, wait: bool = True) -> None:
        """Write an atomic, checksummed snapshot reflecting change-sequence ``position``."""
        from clearinghouse.index.snapshot import write_snapshot

        arrays, meta = self.snapshot_arrays()
        write_snapshot(Path(path), "vpdq", arrays, meta, position, wait=wait)

    @classmethod
    def load(cls, path: str | os.PathLike[str], **options: object) -> tuple[VpdqIndex, int]:
        """Read a snapshot: (index, position); SnapshotError if missing, corrupt or mismatched."""
        from clearinghouse.index.snapshot import read_snapshot

        arrays, meta, position = read_snapshot(Path(path), "vpdq")
        return cls.from_snapshot_arrays(arrays, meta, **options), position

    @classmethod
    def from_snapshot_arrays(
        cls, arrays: dict[str, np.ndarray], meta: dict[str, object], **options: object
    ) -> VpdqIndex:
        """An index from ``snapshot_arrays()`` output (its frame arrays may be mapped);
        SnapshotError if they do not fit together."""
        from clearinghouse.index.snapshot import check_snapshot

        arrays = dict(arrays)
        video_ids, counts = arrays.pop("video_ids", None), arrays.pop("video_frames", None)
        check_snapshot(
            video_ids is not None
            and counts is not None
            and video_ids.dtype == np.int64
            and counts.dtype == np.int64
            and counts.shape == video_ids.shape,
            "snapshot video table malformed",
        )
        index = cls(**options)
        hamming_options = {
            k: v
            for k, v in options.items()
            if k not in ("max_distance", "frame_candidates") and "match_pct" not in k
        }
        index.frames = HammingIndex.from_snapshot_arrays(arrays, meta, nbits=256, **hamming_options)
        index._nframes = dict(zip(video_ids.tolist(), counts.tolist(), strict=True))
        check_snapshot(
            int(counts.sum()) == len(index.frames), "snapshot frame count differs from videos"
        )
        return index


def _frame_ids(video_id: int, nframes: int) -> np.ndarray:
    return (np.int64(video_id) << FRAME_BITS) + np.arange(nframes, dtype=np.int64)


def _distinct_per_video(videos: np.ndarray, keys: np.ndarray) -> dict[int, int]:
    """Number of distinct ``keys`` per video."""
    pairs = np.unique(np.stack((videos, keys)), axis=1)
    found, counts = np.unique(pairs[0], return_counts=True)
    return dict(zip(found.tolist(), counts.tolist(), strict=True))
