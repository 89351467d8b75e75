"""Chunk layouts and GPH thresholds: the pigeonhole condition holds for every distance."""

from __future__ import annotations

import math

import numpy as np
import pytest

from clearinghouse.index.chunks import (
    NEAR_BEST,
    OFFSETS_BYTES_PER_CODE,
    Layout,
    candidate_layouts,
    choose_layout,
    gph_thresholds,
    probe_plan,
)


@pytest.mark.parametrize(
    ("nbits", "widths", "reason"),
    [
        (256, (21,) * 12, "sum"),
        (64, (32, 33), "range"),
        (64, (30, 34), "range"),
        (128, (30, 30, 30, 30, 8), "straddles"),
        (100, (50, 50), "tile"),
    ],
)
def test_bad_layouts_are_refused(nbits: int, widths: tuple[int, ...], reason: str) -> None:
    with pytest.raises(ValueError):
        Layout.from_widths(nbits, widths)


@pytest.mark.parametrize("layout", candidate_layouts(256), ids=lambda lay: str(lay.nchunks))
@pytest.mark.parametrize("r", [0, 1, 7, 31, 32, 48])
@pytest.mark.parametrize("n", [1_000, 10_000_000])
def test_thresholds_meet_the_pigeonhole_bound(layout: Layout, r: int, n: int) -> None:
    t = gph_thresholds(layout.widths, r, n)
    assert sum(ti + 1 for ti in t) == r + 1
    assert all(-1 <= ti <= w for ti, w in zip(t, layout.widths, strict=True))


def test_probe_plan_lists_every_value_within_each_threshold() -> None:
    layout = Layout.from_widths(64, (10, 10, 11, 11, 11, 11))
    plan = probe_plan(layout, 9, 50_000)
    for i, (w, t) in enumerate(zip(layout.widths, plan.thresholds, strict=True)):
        masks = plan.mask[plan.chunk == i]
        assert masks.size == sum(math.comb(w, j) for j in range(t + 1))
        assert np.unique(masks).size == masks.size
        assert np.all(np.bitwise_count(masks.astype(np.uint64)) <= t)
        assert np.all(masks < (1 << w))


def test_chunk_values_partition_the_code() -> None:
    layout = Layout.from_widths(256, (12, 13, 13, 13, 13) * 4)
    rng = np.random.default_rng(1)
    words = rng.integers(0, 2**63, size=(5, 4), dtype=np.uint64)
    values = layout.values(words).astype(np.uint64)
    rebuilt = np.zeros_like(words)
    for i in range(layout.nchunks):
        rebuilt[:, layout.words[i]] |= values[:, i] << np.uint64(layout.shifts[i])
    assert np.array_equal(rebuilt, words)


def test_layout_choice_respects_the_memory_budget() -> None:
    small = choose_layout(256, 1_000, 31)
    assert 4 * small.table_sizes().sum() <= 1 << 22
    large = choose_layout(256, 10_000_000, 31)
    assert 4 * large.table_sizes().sum() <= OFFSETS_BYTES_PER_CODE * 10_000_000
    # with the postings (4 bytes per chunk), codes (32) and ids (8): within 128 bytes/hash
    per_hash = 4 * large.table_sizes().sum() / 10_000_000 + 4 * large.nchunks + 40
    assert per_hash <= 128


@pytest.mark.parametrize("n", [10_000, 1_000_000, 10_000_000, 100_000_000])
def test_layout_choice_is_near_the_cheapest_plan_with_the_smallest_tables(n: int) -> None:
    # The slow twin: every candidate costed, the rule applied by hand.
    budget = max(OFFSETS_BYTES_PER_CODE * n, 1 << 22)
    fits = [lay for lay in candidate_layouts(256) if 4 * lay.table_sizes().sum() <= budget]
    costs = {lay: probe_plan(lay, 31, n).cost_ns for lay in fits}
    chosen = choose_layout(256, n, 31)
    assert costs[chosen] <= NEAR_BEST * min(costs.values())
    near = [lay for lay in fits if costs[lay] <= NEAR_BEST * min(costs.values())]
    assert chosen.table_sizes().sum() == min(lay.table_sizes().sum() for lay in near)
