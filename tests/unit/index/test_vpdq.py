"""VpdqIndex against a brute-force twin of the vPDQ rule."""

from __future__ import annotations

import numpy as np
import pytest

from clearinghouse.index import VpdqIndex, VpdqMatch

from .twins import flip_bits, random_codes


def brute_vpdq(
    videos: dict[int, np.ndarray], query: np.ndarray, r: int, q_min: float, i_min: float
) -> list[VpdqMatch]:
    """The vPDQ rule by full pairwise distances."""
    out = []
    for vid, frames in videos.items():
        dist = np.unpackbits(query[:, None, :] ^ frames[None, :, :], axis=2).sum(axis=2)
        close = dist <= r
        q_pct = 100.0 * close.any(axis=1).sum() / query.shape[0]
        i_pct = 100.0 * close.any(axis=0).sum() / frames.shape[0]
        if close.any() and q_pct >= q_min and i_pct >= i_min:
            out.append(VpdqMatch(vid, q_pct, i_pct))
    return sorted(out, key=lambda m: (-m.query_match_pct, -m.index_match_pct, m.video_id))


def _near(rng: np.random.Generator, frames: np.ndarray, d: int) -> np.ndarray:
    return np.stack([flip_bits(f, rng.choice(256, d, replace=False).tolist()) for f in frames])


@pytest.mark.parametrize(("q_min", "i_min"), [(80.0, 0.0), (0.0, 0.0), (50.0, 50.0)])
def test_matches_the_brute_force_rule(q_min: float, i_min: float) -> None:
    rng = np.random.default_rng(21)
    videos = {vid: random_codes(rng, int(rng.integers(1, 30))) for vid in range(40)}
    videos[40] = np.repeat(videos[3][:2], 3, axis=0)  # repeated frames
    index = VpdqIndex(chunk_bits=(16,) * 16, force_tables=True)
    index.add(list(videos), list(videos.values()))
    queries = [
        _near(rng, videos[3], 10),  # the whole video, re-encoded
        np.concatenate([_near(rng, videos[5][:5], 25), random_codes(rng, 2)]),  # a clip
        np.concatenate([_near(rng, videos[7], 40), videos[7][:1]]),  # mostly too far
        random_codes(rng, 4),
    ]
    for q in queries:
        expected = brute_vpdq(videos, q, 31, q_min, i_min)
        assert index.search(q, query_match_pct=q_min, index_match_pct=i_min) == expected


def test_removal_replacement_and_bad_input() -> None:
    rng = np.random.default_rng(22)
    a, b = random_codes(rng, 5), random_codes(rng, 3)
    index = VpdqIndex()
    index.add([1], [a])
    assert [m.video_id for m in index.search(a)] == [1]
    index.add([1], [b])  # replaced: the old frames are gone
    assert index.search(a) == [] and len(index.frames) == 3
    assert index.search(b) == [VpdqMatch(1, 100.0, 100.0)]
    index.remove([1, 2])
    assert index.search(b) == [] and len(index) == 0
    with pytest.raises(ValueError, match="at least one frame"):
        index.search(np.empty((0, 32), np.uint8))
    with pytest.raises(ValueError, match="video id"):
        index.add([-1], [a])


def test_search_many_says_both_frame_shares_of_each_match() -> None:
    """The shares a match answers with are the brute-force rule's, per kept video."""
    rng = np.random.default_rng(5)
    videos = {vid: random_codes(rng, int(rng.integers(2, 20))) for vid in range(30)}
    index = VpdqIndex(chunk_bits=(16,) * 16, force_tables=True, query_match_pct=0.0)
    index.add(list(videos), list(videos.values()))
    query = np.concatenate([_near(rng, videos[4][:3], 12), _near(rng, videos[9], 20)])
    (found,) = index.search_many([query], 31)
    expected = {m.video_id: m for m in brute_vpdq(videos, query, 31, 0.0, 0.0)}
    scores = found.match_scores()
    assert set(found.ids.tolist()) == set(expected) and set(scores) == set(expected)
    for vid, m in expected.items():
        assert scores[vid] == {
            "query_match_percent": round(m.query_match_pct, 2),
            "compared_match_percent": round(m.index_match_pct, 2),
        }
