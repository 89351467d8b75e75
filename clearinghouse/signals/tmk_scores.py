"""The two TMK scores of the reference (``TMKFeatureVectors`` in ``tmk/cpp/algo/tmkfv.cpp``).

- **Level 1**: the cosine of the two pure average features — cheap, and what an index
  searches first.
- **Level 2**: for each period T, the temporal match kernel
  ``K(δ) = cc₀ + Σⱼ cos(jδ)(ccⱼ + ssⱼ) + sin(jδ)(scⱼ − csⱼ)`` at every offset
  ``δ = 2π·k/T`` (k = 0…T−1), where ccⱼ, ssⱼ, scⱼ, csⱼ are the dot products of the two
  videos' cosine/sine vectors; the score is the largest K over periods and offsets divided
  by ``c₀ + 2·Σⱼ≥₁ cⱼ``, so a video scores 1.0 against itself.

The reference defaults match a pair when both scores are at least 0.7. Here the kernel
is evaluated for many candidates at once as one matrix product per period, in float64
(the reference adds up float32 with an incremental sine/cosine recurrence; the two agree
to about 1e-5, see tests/unit/signals/test_tmk_scores.py).
"""

from __future__ import annotations

import functools

import numpy as np

from clearinghouse.signals.tmk import TmkFeatures

__all__ = [
    "DEFAULT_LEVEL1_THRESHOLD",
    "DEFAULT_LEVEL2_THRESHOLD",
    "level1_score",
    "level2_score",
    "level2_scores",
]

DEFAULT_LEVEL1_THRESHOLD = 0.7  # tmk_default_thresholds.h
DEFAULT_LEVEL2_THRESHOLD = 0.7


def level1_score(a: TmkFeatures, b: TmkFeatures) -> float:
    """Cosine similarity of the pure average features; 0 when either is zero."""
    u, v = a.pure_average.astype(np.float64), b.pure_average.astype(np.float64)
    nu, nv = float(np.linalg.norm(u)), float(np.linalg.norm(v))
    if nu == 0 or nv == 0:
        return 0.0
    return float(u @ v / (nu * nv))


def level2_score(a: TmkFeatures, b: TmkFeatures) -> float:
    """The reference level-2 score of one pair."""
    return float(level2_scores(a, [b.cos], [b.sin])[0])


def level2_scores(
    query: TmkFeatures, cos: list[np.ndarray] | np.ndarray, sin: list[np.ndarray] | np.ndarray
) -> np.ndarray:
    """Level-2 scores of ``query`` against n candidates given by their (P, C, D) cosine and
    sine arrays (stacked or a list); float64, one per candidate."""
    n = len(cos)
    if n == 0:
        return np.empty(0, np.float64)
    bc = np.asarray(cos, np.float32).astype(np.float64)  # (n, P, C, D)
    bs = np.asarray(sin, np.float32).astype(np.float64)
    ac, as_ = query.cos.astype(np.float64), query.sin.astype(np.float64)
    cc = np.einsum("pcd,npcd->npc", ac, bc)
    ss = np.einsum("pcd,npcd->npc", as_, bs)
    sc = np.einsum("pcd,npcd->npc", as_, bc)
    cs = np.einsum("pcd,npcd->npc", ac, bs)
    best = np.full(n, -np.inf)
    for i, period in enumerate(query.periods):
        table = _kernel_table(period, ac.shape[1])  # (T, 2(C−1)): cos(jδ) then sin(jδ)
        weights = np.concatenate((cc[:, i, 1:] + ss[:, i, 1:], sc[:, i, 1:] - cs[:, i, 1:]), 1)
        # einsum, not BLAS: a multi-threaded BLAS on a loaded server is 5× slower here.
        k = np.einsum("tk,nk->tn", table, weights)
        best = np.maximum(best, cc[:, i, 0] + k.max(axis=0))
    return best / _normalizer(query.coefficients)


@functools.lru_cache(maxsize=8)
def _kernel_table(period: int, ncoefficients: int) -> np.ndarray:
    """[cos(jδ) | sin(jδ)] for δ = 2πk/period, k < period, 1 ≤ j < ncoefficients."""
    delta = 2.0 * np.pi * np.arange(period) / period
    angles = np.outer(delta, np.arange(1, ncoefficients))
    table = np.ascontiguousarray(np.concatenate((np.cos(angles), np.sin(angles)), axis=1))
    table.flags.writeable = False
    return table


def _normalizer(coefficients: np.ndarray) -> float:
    c = coefficients.astype(np.float32)
    return float(c[0] + 2.0 * c[1:].sum())
