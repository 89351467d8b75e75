"""The vPDQ match rule: query and index coverage, quality filtering, thresholds."""

from __future__ import annotations

import random

import pytest

from clearinghouse.signals import VpdqFrame, build_registry, compare_videos, hamming_distance


def _flip(hex_value: str, nbits: int, seed: int) -> str:
    """The hash with ``nbits`` distinct bits flipped."""
    number = int(hex_value, 16)
    for bit in random.Random(seed).sample(range(256), nbits):
        number ^= 1 << bit
    return f"{number:064x}"


BASE = [f"{random.Random(i).getrandbits(256):064x}" for i in range(10)]


def frames(values, quality=90):
    return [VpdqFrame(v, quality, float(i)) for i, v in enumerate(values)]


def _compare(query, indexed, **kw):
    args = {"max_distance": 31, "min_quality": 50, "query_match_pct": 80.0, "index_match_pct": 0.0}
    return compare_videos(query, indexed, **{**args, **kw})


def test_the_same_video_matches_fully():
    c = _compare(frames(BASE), frames(BASE))
    assert (c.query_match_pct, c.index_match_pct, c.matched) == (100.0, 100.0, True)


def test_a_clip_of_an_indexed_video_matches_with_the_default_index_share():
    clip = frames([_flip(v, 20, i) for i, v in enumerate(BASE[:3])])
    c = _compare(clip, frames(BASE))
    assert c.query_match_pct == 100.0
    assert c.index_match_pct == pytest.approx(30.0)
    assert c.matched
    assert not _compare(clip, frames(BASE), index_match_pct=50.0).matched


def test_frames_beyond_max_distance_do_not_count():
    near = [_flip(v, 31, i) for i, v in enumerate(BASE)]
    far = [_flip(v, 32, i) for i, v in enumerate(BASE)]
    assert all(hamming_distance(a, b) == 31 for a, b in zip(near, BASE, strict=True))
    assert _compare(frames(near), frames(BASE)).query_match_pct == 100.0
    assert _compare(frames(far), frames(BASE)).query_match_pct == 0.0


def test_query_share_threshold_is_inclusive():
    mixed = BASE[:8] + [_flip(v, 100, 9) for v in BASE[8:]]
    c = _compare(frames(mixed), frames(BASE))
    assert c.query_match_pct == pytest.approx(80.0)
    assert c.matched
    assert not _compare(frames(mixed), frames(BASE), query_match_pct=81.0).matched


def test_low_quality_frames_take_no_part():
    query = frames(BASE[:2]) + frames([_flip(BASE[2], 100, 1)], quality=10)
    assert _compare(query, frames(BASE)).query_match_pct == 100.0
    dark = frames(BASE, quality=10)
    c = _compare(dark, frames(BASE))
    assert (c.query_match_pct, c.matched) == (0.0, False)


def test_the_type_applies_its_configured_percentages():
    r = build_registry(vpdq_query_match_pct=100.0, vpdq_index_match_pct=50.0)
    t = r.get("vpdq")
    wire = [f.to_wire() for f in frames(BASE)]
    clip = r.parse("vpdq", wire[:4])
    whole = r.parse("vpdq", wire)
    assert not t.compare(clip, whole).matched  # covers only 40 % of the indexed video
    assert t.compare(whole, whole).matched
    with pytest.raises(Exception, match="above the ceiling"):
        t.compare(clip, whole, max_distance=64)
