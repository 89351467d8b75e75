"""TmkIndex against its slow twin: level 1 and level 2 scored for every indexed video."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from clearinghouse.index import SignalIndex, TmkIndex
from clearinghouse.signals.hashing.tmk import TmkAccumulator
from clearinghouse.signals.tmk import read_tmk
from clearinghouse.signals.tmk_scores import level1_score, level2_score

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "tmk"


def synthetic(rng: np.random.Generator, base: np.ndarray | None = None, noise: float = 0.0):
    """A video of random frame features, or a noisy copy of ``base`` frames."""
    frames = (
        rng.normal(size=(24, 256)) if base is None else base + noise * rng.normal(size=base.shape)
    )
    accumulator = TmkAccumulator()
    accumulator.add(frames.astype(np.float32))
    return frames, accumulator.finish()


@pytest.fixture(scope="module")
def videos():
    rng = np.random.default_rng(7)
    out = [read_tmk(p.read_bytes()) for p in sorted(VECTORS.glob("*.tmk"))]
    for _ in range(6):
        frames, video = synthetic(rng)
        out.append(video)
        for noise in (0.2, 0.6, 1.5):  # near, farther, unrelated-ish copies
            out.append(synthetic(rng, frames, noise)[1])
    return out


def twin(indexed: dict[int, object], query, t1: float, t2: float):
    """Every (id, level1, level2) passing both thresholds, best level-2 first."""
    found = []
    for id_, video in indexed.items():
        s1 = level1_score(query, video)
        if s1 >= t1:
            s2 = level2_score(query, video)
            if s2 >= t2:
                found.append((id_, s1, s2))
    return sorted(found, key=lambda f: (-f[2], f[0]))


def check(index: TmkIndex, indexed: dict, queries, t1=0.7, t2=0.7):
    got = index.search_many(queries, level1_threshold=t1, level2_threshold=t2)
    for query, found in zip(queries, got, strict=True):
        expected = twin(indexed, query, t1, t2)
        assert found.ids.tolist() == [e[0] for e in expected]
        assert found.level1 == pytest.approx([e[1] for e in expected], abs=1e-5)
        assert found.level2 == pytest.approx([e[2] for e in expected], abs=1e-6)
        assert found.total == len(expected)
        assert (np.diff(found.distances) >= 0).all()


def test_it_is_a_signal_index():
    assert isinstance(TmkIndex(), SignalIndex)


@pytest.mark.parametrize(("t1", "t2"), [(0.7, 0.7), (0.5, 0.5), (0.9, 0.95), (0.99, 0.5)])
def test_search_equals_the_twin(videos, t1, t2):
    index = TmkIndex()
    ids = list(range(100, 100 + len(videos)))
    index.add(ids, videos)
    check(index, dict(zip(ids, videos, strict=True)), videos, t1, t2)


def test_replacing_removing_and_bytes_values(videos):
    index = TmkIndex()
    indexed = dict(enumerate(videos))
    index.add(list(indexed), [v.to_bytes() for v in videos])  # .tmk bytes work too
    index.add([0], [videos[5]])  # id 0 now holds another video
    indexed[0] = videos[5]
    index.remove([1, 2, 999])
    del indexed[1], indexed[2]
    assert len(index) == len(indexed)
    check(index, indexed, videos)
    index.remove(list(indexed))
    assert len(index) == 0 and index.search_many(videos[:2])[0].ids.size == 0


def test_limit_keeps_the_best_and_counts_all(videos):
    index = TmkIndex()
    index.add(range(len(videos)), videos)
    full = index.search_many([videos[7]], level1_threshold=0.5, level2_threshold=0.5)[0]
    cut = index.search_many([videos[7]], limit=2, level1_threshold=0.5, level2_threshold=0.5)[0]
    assert full.ids.size > 2
    assert cut.ids.tolist() == full.ids[:2].tolist() and cut.total == full.total
    assert cut.truncated


def test_level2_work_is_bounded_and_the_total_says_so(videos):
    index = TmkIndex(max_candidates=2)
    index.add(range(len(videos)), videos)
    found = index.search_many([videos[7]], level1_threshold=0.5, level2_threshold=0.5)[0]
    assert found.ids.size <= 2
    passed_level1 = sum(level1_score(videos[0], v) >= 0.5 for v in videos)
    assert found.total >= passed_level1 - 2 + found.ids.size


def test_bad_values_are_refused_before_anything_changes(videos):
    index = TmkIndex()
    index.add([1], [videos[0]])
    for ids, values in (([2, 3], [videos[0]]), ([-1], [videos[0]]), ([2], ["text"])):
        with pytest.raises(ValueError):
            index.add(ids, values)
    assert len(index) == 1


def test_snapshot_round_trip(videos, tmp_path):
    index = TmkIndex()
    index.add(range(len(videos)), videos)
    index.remove([3])
    index.save(tmp_path / "tmk", 42)
    loaded, position = TmkIndex.load(tmp_path / "tmk", level1_threshold=0.6)
    assert position == 42 and len(loaded) == len(index) and loaded.level1_threshold == 0.6
    for a, b in zip(index.search_many(videos), loaded.search_many(videos), strict=True):
        assert a.ids.tolist() == b.ids.tolist()
        assert a.level2 == pytest.approx(b.level2, abs=1e-12)
    assert loaded.memory_bytes == index.memory_bytes > 256 * 1024 * len(index)
