"""PDQs of many boxes at once (signals/hashing/crops.py) against PDQ of each crop on its own, on
real photographs."""

from __future__ import annotations

import numpy as np

from clearinghouse.signals import hamming_distance
from clearinghouse.signals.hashing import pdq_hash
from clearinghouse.signals.hashing.crops import pdq_of_boxes
from clearinghouse.signals.hashing.pdq import _bits_hex, _dct16, _near_median, luma_of


def _random_boxes(rng, height: int, width: int, count: int) -> list[tuple[int, int, int, int]]:
    boxes = []
    for _ in range(count):
        x0, y0 = int(rng.integers(0, width - 5)), int(rng.integers(0, height - 5))
        boxes.append(
            (x0, y0, int(rng.integers(x0 + 5, width + 1)), int(rng.integers(y0 + 5, height + 1)))
        )
    return boxes


def test_each_box_has_the_pdq_of_its_crop(photos):
    rng = np.random.default_rng(11)
    for rgb in photos.values():
        luma = luma_of(rgb)
        boxes = _random_boxes(rng, *luma.shape, count=6)
        expected = [pdq_hash(np.ascontiguousarray(rgb[y0:y1, x0:x1])) for x0, y0, x1, y1 in boxes]
        assert pdq_of_boxes(rgb, luma, boxes) == expected
        # Without the reference's word: PDQ's own fast bits, except (float order) where a
        # coefficient sits at the median, and there by a bit or two if the box is of a
        # quality ever used (a flat box's coefficients are all rounding noise).
        got = pdq_of_boxes(rgb, luma, boxes, exact=False)
        for (x0, y0, x1, y1), (value, quality) in zip(boxes, got, strict=True):
            coefficients, expected_quality = _dct16(np.ascontiguousarray(rgb[y0:y1, x0:x1]))
            assert quality == expected_quality
            if _near_median(coefficients):
                assert quality < 50 or hamming_distance(value, _bits_hex(coefficients)) <= 2
            else:
                assert value == _bits_hex(coefficients)


def test_a_box_too_small_hashes_as_pdq_does(photos):
    rgb = photos["coffee"]
    tiny = [(0, 0, 4, 100), (10, 10, 200, 14)]
    assert pdq_of_boxes(rgb, luma_of(rgb), tiny) == [("0" * 64, 0)] * 2
    assert pdq_hash(np.ascontiguousarray(rgb[0:100, 0:4])) == ("0" * 64, 0)
