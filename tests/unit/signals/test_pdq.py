"""The fast PDQ against its slow twins: the reference library, and the box filter written out."""

from __future__ import annotations

import numpy as np
import pytest

from clearinghouse.signals.hashing import pdq_hash, pdq_hash_reference
from clearinghouse.signals.hashing.pdq import _reducer


def _box1d(vector, window):
    """PDQ's box1DFloat written out with its four phases, as the reference does it."""
    n = len(vector)
    half = (window + 2) // 2
    out = np.zeros(n)
    total, size, li, ri, oi = 0.0, 0, 0, 0, 0
    for _ in range(half - 1):
        total += vector[ri]
        size += 1
        ri += 1
    for _ in range(window - half + 1):
        total += vector[ri]
        size += 1
        out[oi] = total / size
        ri += 1
        oi += 1
    for _ in range(n - window):
        total += vector[ri] - vector[li]
        out[oi] = total / size
        li += 1
        ri += 1
        oi += 1
    for _ in range(half - 1):
        total -= vector[li]
        size -= 1
        out[oi] = total / size
        li += 1
        oi += 1
    return out


@pytest.mark.parametrize("n", [5, 63, 64, 65, 127, 128, 129, 300, 1000])
def test_reducer_matrix_equals_two_box_passes_and_decimation(n):
    window = (n + 127) // 128
    rng = np.random.default_rng(n)
    vector = rng.random(n) * 255
    once = _box1d(vector, window)
    twice = _box1d(once, window)
    samples = twice[[int(((o + 0.5) * n) / 64) for o in range(64)]]
    np.testing.assert_allclose(_reducer(n) @ vector, samples, rtol=1e-5, atol=1e-3)


def test_tiny_images_hash_to_zero_like_the_reference():
    pixels = np.full((4, 30, 3), 128, dtype=np.uint8)
    assert pdq_hash(pixels) == ("0" * 64, 0) == pdq_hash_reference(pixels)


def test_flat_images_fall_back_to_the_reference():
    pixels = np.full((50, 70, 3), 77, dtype=np.uint8)
    assert pdq_hash(pixels) == pdq_hash_reference(pixels)


def test_non_rgb_arrays_are_refused():
    with pytest.raises(ValueError, match="H×W×3"):
        pdq_hash(np.zeros((10, 10), dtype=np.uint8))
