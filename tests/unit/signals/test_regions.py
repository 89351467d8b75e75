"""The region ladder and the query variants on real photographs (DESIGN §15)."""

from __future__ import annotations

import numpy as np
import pytest

from clearinghouse.index.regions import SLOTS
from clearinghouse.signals.hashing.edges import trim_box
from clearinghouse.signals.hashing.regions import (
    LADDER,
    MAX_REGIONS,
    region_hashes,
)
from clearinghouse.wire import REGIONS_PER_ITEM_LIMIT


def test_a_flat_image_has_no_regions():
    assert region_hashes(np.full((200, 300, 3), 128, np.uint8)) == []


def test_the_ladder_fits_the_server_and_its_index():
    assert len(LADDER) <= MAX_REGIONS == REGIONS_PER_ITEM_LIMIT <= SLOTS


@pytest.mark.parametrize(
    ("pad", "expected"),
    [
        ((0, 0, 0, 0), None),
        ((20, 0, 20, 0), (0, 20, 100, 80)),  # letterbox: (left, top, right, bottom)
        ((10, 10, 10, 10), (10, 10, 90, 90)),  # frame
    ],
)
def test_trim_box_finds_flat_borders(pad, expected):
    rng = np.random.default_rng(3)
    image = np.full((100, 100), 0.0, np.float32)
    top, left, bottom, right = pad
    image[top : 100 - bottom, left : 100 - right] = rng.uniform(
        0, 255, (100 - top - bottom, 100 - left - right)
    )
    assert trim_box(image) == expected
