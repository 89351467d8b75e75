"""Slow, obviously correct twins and code generators shared by the index tests."""

from __future__ import annotations

import numpy as np

from clearinghouse.index.chunks import Layout
from clearinghouse.index.protocol import Matches


def brute_force(
    live: dict[int, np.ndarray], query: np.ndarray, max_distance: int
) -> tuple[list[int], list[int]]:
    """Every live id within max_distance of query by unpackbits popcount, by (distance, id)."""
    if not live:
        return [], []
    ids = np.array(sorted(live), dtype=np.int64)
    codes = np.stack([live[i] for i in ids.tolist()])
    dist = np.unpackbits(codes ^ query, axis=1).sum(axis=1)
    hit = dist <= max_distance
    pairs = sorted(zip(dist[hit].tolist(), ids[hit].tolist(), strict=True))
    return [i for _, i in pairs], [d for d, _ in pairs]


def as_lists(result: Matches) -> tuple[list[int], list[int]]:
    return result.ids.tolist(), result.distances.tolist()


def brute_force_limited(
    live: dict[int, np.ndarray], query: np.ndarray, max_distance: int, limit: int | None
) -> tuple[list[int], list[int], int]:
    """``brute_force`` cut to the ``limit`` nearest, with the count before the cut."""
    ids, dists = brute_force(live, query, max_distance)
    end = len(ids) if limit is None else limit
    return ids[:end], dists[:end], len(ids)


def flip_bits(code: np.ndarray, bits: list[int]) -> np.ndarray:
    """A copy of code with the given bits flipped; bit k is bit k%64 of little-endian word k//64."""
    out = code.copy()
    for k in bits:
        word, bit = divmod(k, 64)
        out[word * 8 + bit // 8] ^= 1 << (bit % 8)
    return out


def spread_flips(layout: Layout, per_chunk: list[int], rng: np.random.Generator) -> list[int]:
    """Bit numbers flipping exactly per_chunk[i] bits inside chunk i of layout."""
    bits: list[int] = []
    for i, n in enumerate(per_chunk):
        start = layout.words[i] * 64 + layout.shifts[i]
        bits += (start + rng.choice(layout.widths[i], size=n, replace=False)).tolist()
    return bits


def random_codes(rng: np.random.Generator, n: int, nbytes: int = 32) -> np.ndarray:
    return rng.integers(0, 256, size=(n, nbytes), dtype=np.uint8)
