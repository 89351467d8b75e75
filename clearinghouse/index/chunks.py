"""Chunk layouts and probe plans of the multi-index (generalized pigeonhole).

A code of ``nbits`` bits is read as little-endian 64-bit words and cut into chunks that
never straddle a word, so a chunk's value is one shift and one mask. The generalized
pigeonhole principle (Qin et al., "GPH", ICDE 2018) says: if the chunk thresholds satisfy
``sum(t_i + 1) >= r + 1``, every code within distance ``r`` of the query is within ``t_i``
of it on at least one chunk ``i`` (``t_i = -1`` leaves chunk ``i`` out). A probe plan lists,
for every chunk, the XOR masks of all its values within the threshold.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import cache, cached_property

import numpy as np

__all__ = [
    "NEAR_BEST",
    "OFFSETS_BYTES_PER_CODE",
    "Layout",
    "ProbePlan",
    "candidate_layouts",
    "choose_layout",
    "flat_cost_ns",
    "gph_thresholds",
    "probe_plan",
]

# Relative costs (nanoseconds on the reference machine) used to pick thresholds, layouts
# and the brute-force fallback; they only steer speed, never exactness.
PROBE_NS = 60.0
CANDIDATE_NS = 35.0
FLAT_NS_PER_CODE = 3.0
FLAT_OVERHEAD_NS = 8_000.0
# Direct-addressed offset tables may cost up to this many bytes per indexed code (at
# 10^7 PDQ codes the cheapest layout, 19/22/23-bit chunks, would take 21).
OFFSETS_BYTES_PER_CODE = 24
# A layout within this factor of the cheapest plan's cost may be taken for smaller tables
# (at 10^7 PDQ codes: 20/22/22-bit chunks, 15 bytes a code, for 3% more work than 19/22/23).
NEAR_BEST = 1.05


@dataclass(frozen=True)
class Layout:
    """Chunk widths in bit order; each chunk lies inside one 64-bit word."""

    widths: tuple[int, ...]
    words: tuple[int, ...]
    shifts: tuple[int, ...]

    @classmethod
    def from_widths(cls, nbits: int, widths: tuple[int, ...] | list[int]) -> Layout:
        """Place ``widths`` left to right; ValueError unless they tile whole words exactly."""
        widths = tuple(int(w) for w in widths)
        if nbits % 64 or sum(widths) != nbits or any(not 1 <= w <= 30 for w in widths):
            raise ValueError(f"chunk widths {widths} do not tile {nbits} bits (each 1..30)")
        words, shifts, pos = [], [], 0
        for w in widths:
            if pos // 64 != (pos + w - 1) // 64:
                raise ValueError(f"chunk at bit {pos} of width {w} straddles a 64-bit word")
            words.append(pos // 64)
            shifts.append(pos % 64)
            pos += w
        return cls(widths, tuple(words), tuple(shifts))

    @property
    def nchunks(self) -> int:
        return len(self.widths)

    def table_sizes(self) -> np.ndarray:
        """Entries of each chunk's offsets table (one per value, plus the end)."""
        return np.array([(1 << w) + 1 for w in self.widths], dtype=np.int64)

    @cached_property
    def _extract(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        words = np.array(self.words, dtype=np.int64)
        shifts = np.array(self.shifts, dtype=np.uint64)
        masks = np.array([(1 << w) - 1 for w in self.widths], dtype=np.uint64)
        return words, shifts, masks

    def values(self, words: np.ndarray) -> np.ndarray:
        """Chunk values of codes given as (n, nwords) uint64: (n, nchunks) int64."""
        w, s, m = self._extract
        return ((words[:, w] >> s) & m).astype(np.int64)


def candidate_layouts(nbits: int) -> list[Layout]:
    """The word-aligned layouts the automatic choice picks from."""
    per_word = [
        (8,) * 8,
        (10, 10, 11, 11, 11, 11),
        (12, 13, 13, 13, 13),
        (16, 16, 16, 16),
        (21, 21, 22),
        (20, 22, 22),
        (19, 22, 23),
    ]
    return [Layout.from_widths(nbits, w * (nbits // 64)) for w in per_word]


@cache
def _flip_masks(width: int, flips: int) -> np.ndarray:
    """XOR masks of every way to flip exactly ``flips`` of ``width`` bits."""
    masks = [sum(1 << b for b in combo) for combo in itertools.combinations(range(width), flips)]
    out = np.array(masks, dtype=np.uint64)
    out.setflags(write=False)
    return out


def _unit_cost(width: int, n: int) -> float:
    """Expected cost of one probe into a chunk table of ``width`` bits over ``n`` codes."""
    return PROBE_NS + CANDIDATE_NS * n / (1 << width)


def gph_thresholds(widths: tuple[int, ...], r: int, n: int) -> tuple[int, ...]:
    """Cheapest chunk thresholds with ``sum(t_i + 1) == r + 1`` (greedy on marginal cost).

    Requires ``0 <= r < sum(b_i + 1)``. Raising ``t_i`` by one adds ``C(b_i, t_i + 1)``
    probes; those marginal costs rise with ``t`` while ``t < b_i / 2``, so taking the
    cheapest step each time is optimal there (and exact everywhere).
    """
    if r < 0 or r + 1 > sum(w + 1 for w in widths):
        raise ValueError(f"distance {r} out of range for chunks {widths}")
    t = [-1] * len(widths)
    for _ in range(r + 1):
        best, best_cost = -1, math.inf
        for i, w in enumerate(widths):
            if t[i] < w:
                cost = math.comb(w, t[i] + 1) * _unit_cost(w, n)
                if cost < best_cost:
                    best, best_cost = i, cost
        t[best] += 1
    return tuple(t)


@dataclass(frozen=True)
class ProbePlan:
    """Every probe of one distance: which chunk, and which XOR mask of its value."""

    thresholds: tuple[int, ...]
    chunk: np.ndarray  # (P,) int64 chunk number of each probe
    mask: np.ndarray  # (P,) int64 XOR mask of the chunk value
    base: np.ndarray  # (P,) int64 start of the probed chunk's table in the shared offsets
    cost_ns: float  # estimated single-query cost


def probe_plan(layout: Layout, r: int, n: int) -> ProbePlan:
    """The probe plan for distance ``r`` over ``n`` codes."""
    thresholds = gph_thresholds(layout.widths, r, n)
    chunks, masks, cost = [], [], 0.0
    for i, (w, t) in enumerate(zip(layout.widths, thresholds, strict=True)):
        for flips in range(t + 1):
            m = _flip_masks(w, flips)
            masks.append(m)
            chunks.append(np.full(m.size, i, dtype=np.int64))
            cost += m.size * _unit_cost(w, n)
    chunk = np.concatenate(chunks) if chunks else np.empty(0, np.int64)
    mask = np.concatenate(masks).astype(np.int64) if masks else np.empty(0, np.int64)
    bases = np.concatenate(([0], np.cumsum(layout.table_sizes())[:-1]))
    return ProbePlan(thresholds, chunk, mask, bases[chunk].astype(np.int64), cost)


def flat_cost_ns(n: int) -> float:
    """Estimated cost of one brute-force scan over ``n`` codes."""
    return FLAT_OVERHEAD_NS + FLAT_NS_PER_CODE * n


def choose_layout(nbits: int, n: int, r: int) -> Layout:
    """The candidate layout with the smallest tables among those within ``NEAR_BEST`` of
    the cheapest plan at distance ``r`` inside the memory budget (every worker of a host
    maps the tables, so a few percent of speed buys back bytes for every code)."""
    budget = max(OFFSETS_BYTES_PER_CODE * n, 1 << 22)
    costed = []
    for layout in candidate_layouts(nbits):
        table_bytes = 4 * int(layout.table_sizes().sum())
        if table_bytes > budget and costed:
            continue
        costed.append((probe_plan(layout, r, n).cost_ns, table_bytes, layout))
    cheapest = min(cost for cost, _, _ in costed)
    near = [(b, cost, layout) for cost, b, layout in costed if cost <= NEAR_BEST * cheapest]
    return min(near, key=lambda entry: entry[:2])[2]
