"""PDQs of many boxes of one image, at a fraction of the cost of hashing each crop.

The region ladder and the query variants hash dozens of boxes of the same picture. PDQ's
64×64 grid of a crop is ``Lr @ luma @ Lc.T`` (pdq.py), and each row of ``Lr`` touches
only the few neighbouring rows its two box blurs reach: so the rows of the grid are a
weighted sum of those rows alone, gathered from the whole image's luma in place, not a
product with the whole crop. Same weights as ``pdq_hash``, so the same coefficients up
to float rounding, and the same bits: where a coefficient is near the median, ``exact``
defers to the reference on the crop as ``pdq_hash`` does; without it (query variants,
where a bit does not matter) the fast bits stand.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import numpy as np

from clearinghouse.signals.hashing.pdq import (
    _DCT,
    _MIN_HASHABLE_DIM,
    _bits_hex,
    _near_median,
    _quality,
    pdq_hash_reference,
)

__all__ = ["Box", "pdq_of_boxes"]

Box = tuple[int, int, int, int]  # (left, top, right, bottom) in pixels, right and bottom exclusive


def pdq_of_boxes(
    rgb: np.ndarray | None, luma: np.ndarray, boxes: Iterable[Box], *, exact: bool = True
) -> list[tuple[str, int]]:
    """``(pdq, quality)`` of each box of an H×W×3 image whose luma is given, as
    ``pdq_hash`` of the crop would give (all zeros, quality 0, for a box too small).
    ``rgb`` is only read with ``exact``, by the reference; without, a luma is enough."""
    out = []
    for left, top, right, bottom in boxes:
        if right - left < _MIN_HASHABLE_DIM or bottom - top < _MIN_HASHABLE_DIM:
            out.append(("0" * 64, 0))
            continue
        rows_at, rows_weight = _banded(bottom - top)
        # (64, K, width): for each grid row, the K image rows its blur reaches.
        gathered = luma[top + rows_at, left:right]
        reduced = np.matmul(rows_weight[:, None, :], gathered)[:, 0, :]
        cols_at, cols_weight = _banded(right - left)
        grid = np.einsum("rok,ok->ro", reduced[:, cols_at], cols_weight)
        coefficients = _DCT @ grid.astype(np.float64) @ _DCT.T
        if exact and rgb is not None and _near_median(coefficients):
            out.append(pdq_hash_reference(rgb[top:bottom, left:right]))
        else:
            out.append((_bits_hex(coefficients), _quality(grid)))
    return out


@functools.lru_cache(maxsize=1024)
def _banded(n: int) -> tuple[np.ndarray, np.ndarray]:
    """PDQ's 64×n reducer along a side of n (pdq.py ``_reducer``: two Jarosz box passes,
    then the 64 samples) as (64, K) positions and weights, K its widest row's reach.

    Built at once with difference arrays rather than box by box: each second-pass box
    adds its first-pass boxes' spans, each with its share of the weight."""
    window = (n + 127) // 128
    half = (window + 2) // 2
    centres = ((np.arange(64) + 0.5) * n / 64).astype(np.int64)
    lo = np.maximum(0, centres - (window - half))
    hi = np.minimum(n, centres + half)
    k = lo[:, None] + np.arange(window + 1)[None, :]  # second-pass positions (64, ≤ window+1)
    used = k < hi[:, None]
    k_lo = np.maximum(0, k - (window - half))
    k_hi = np.minimum(n, k + half)
    count = np.where(used, (hi - lo)[:, None] * (k_hi - k_lo), 1)
    share = np.where(used, 1.0 / count, 0.0)
    diff = np.zeros((64, n + 1))
    rows = np.broadcast_to(np.arange(64)[:, None], k.shape)
    np.add.at(diff, (rows, np.where(used, k_lo, 0)), share)
    np.add.at(diff, (rows, np.where(used, k_hi, 0)), -share)
    dense = np.cumsum(diff, axis=1)[:, :n]
    first = np.maximum(0, lo - (window - half))
    last = np.minimum(n, hi - 1 + half)
    reach = int((last - first).max())
    at = first[:, None] + np.arange(reach)[None, :]
    inside = at < last[:, None]
    at = np.where(inside, at, first[:, None])
    weight = np.where(inside, np.take_along_axis(dense, at, axis=1), 0.0)
    return at, weight.astype(np.float32)
