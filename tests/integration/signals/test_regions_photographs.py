"""The region ladder and the query variants on real photographs: each region is the PDQ of its
crop, and crops, pastes, letterboxes and turns meet a region."""

from __future__ import annotations

import numpy as np
import pytest

from clearinghouse.signals import hamming_distance
from clearinghouse.signals.hashing import pdq_hash, pdq_hash_reference
from clearinghouse.signals.hashing.edges import edge_boxes, small_luma
from clearinghouse.signals.hashing.pdq import luma_of
from clearinghouse.signals.hashing.regions import (
    LADDER,
    MAX_REGIONS,
    MIN_REGION_QUALITY,
    region_hashes,
)
from clearinghouse.signals.hashing.variants import MAX_VARIANTS, _turned_box, query_variants
from clearinghouse.wire import MATCH_QUERIES_LIMIT


def _crop(rgb: np.ndarray, left: float, top: float, right: float, bottom: float) -> np.ndarray:
    h, w = rgb.shape[:2]
    return rgb[round(top * h) : round(bottom * h), round(left * w) : round(right * w)]


def test_the_ladder_is_deterministic_bounded_and_of_quality(photos):
    for rgb in photos.values():
        first = region_hashes(rgb)
        assert first == region_hashes(rgb.copy())  # same pixels, same list
        assert len(first) <= MAX_REGIONS
        assert len({r["pdq"] for r in first}) == len(first)  # each code once
        assert all(r["quality"] >= MIN_REGION_QUALITY for r in first)


def test_each_region_is_the_pdq_of_its_crop(photos):
    """The slow twin: every region is exactly the PDQ of the ladder's crop, and within a
    few bits of the reference implementation's PDQ of it."""
    rgb = photos["astronaut"]
    got = [r["pdq"] for r in region_hashes(rgb)]
    expected = [pdq_hash(_crop(rgb, *box))[0] for _, *box in LADDER]
    assert got == [value for value in dict.fromkeys(expected)][: len(got)]
    for value, (_, *box) in zip(got, LADDER, strict=False):
        reference, _ = pdq_hash_reference(np.ascontiguousarray(_crop(rgb, *box)))
        assert hamming_distance(value, reference) <= 2


def test_a_crop_of_the_image_meets_one_of_its_regions(photos):
    """A 20 % centre crop: one of the query's variants is near one of the ladder's regions."""
    rgb = photos["chelsea"]
    indexed = [r["pdq"] for r in region_hashes(rgb)]
    cropped = np.ascontiguousarray(_crop(rgb, 0.09, 0.09, 0.91, 0.91))
    assert hamming_distance(pdq_hash(cropped)[0], pdq_hash(rgb)[0]) > 31  # PDQ alone misses
    best = min(hamming_distance(v.value, r) for v in query_variants(cropped) for r in indexed)
    assert best <= 31


@pytest.mark.parametrize("kept", [0.72, 0.77, 0.83, 0.88])
@pytest.mark.parametrize("corner", ["top-left", "bottom-right"])
def test_a_crop_keeping_one_corner_meets_one_of_its_regions(photos, corner, kept):
    """An off-centre crop by any share of 10–30 %: one of the query's corner crops lands
    near one of the ladder's 70 % or 80 % corners."""
    rgb = photos["astronaut"]
    indexed = [r["pdq"] for r in region_hashes(rgb)]
    box = (0, 0, kept, kept) if corner == "top-left" else (1 - kept, 1 - kept, 1, 1)
    cropped = np.ascontiguousarray(_crop(rgb, *box))
    assert min(hamming_distance(pdq_hash(cropped)[0], r) for r in indexed) > 31
    best = min(hamming_distance(v.value, r) for v in query_variants(cropped) for r in indexed)
    assert best <= 31


def test_variants_start_with_the_original_and_hold_the_dihedral(photos):
    rgb = photos["coffee"]
    variants = query_variants(rgb)
    assert variants[0].name == "original"
    assert variants[0].value == pdq_hash(rgb)[0]
    assert len(variants) <= MAX_VARIANTS <= MATCH_QUERIES_LIMIT  # one file, one request
    assert len({v.value for v in variants}) == len(variants)
    mirrored = pdq_hash(np.ascontiguousarray(rgb[:, ::-1]))[0]
    assert min(hamming_distance(v.value, mirrored) for v in variants) <= 8
    assert variants == query_variants(rgb.copy())  # deterministic
    assert query_variants(rgb, dihedral=False)[0].name == "original"


def test_a_letterboxed_picture_is_found_by_trimming(photos):
    rgb = photos["rocket"]
    h, w = rgb.shape[:2]
    boxed = np.zeros((h + 200, w, 3), np.uint8)
    boxed[100 : 100 + h] = rgb
    variants = {v.name: v.value for v in query_variants(boxed)}
    assert "trimmed" in variants
    assert hamming_distance(variants["trimmed"], pdq_hash(rgb)[0]) <= 10


def test_a_picture_pasted_into_another_is_cut_out(photos):
    outer = photos["hubble_deep_field"][:480, :640].copy()
    inner = photos["camera"][::2, ::2]  # 256×256
    outer[100:356, 300:556] = inner
    small, factor = small_luma(luma_of(outer))
    assert any(
        abs(x0 * factor - 300) <= 2 * factor and abs(y0 * factor - 100) <= 2 * factor
        for x0, y0, _, _ in edge_boxes(small)
    )
    best = min(hamming_distance(v.value, pdq_hash(inner)[0]) for v in query_variants(outer))
    assert best <= 16


def test_a_picture_pasted_onto_a_textured_photo_is_cut_out(photos):
    """Brick is all straight lines and steps: the pasted picture's four sides still win."""
    from tests.photos import load_photo

    outer = np.ascontiguousarray(load_photo("brick")[:480, :512])
    inner = photos["astronaut"][::2, ::2]  # 256×256
    outer[60:316, 150:406] = inner
    small, factor = small_luma(luma_of(outer))
    assert any(
        abs(x0 * factor - 150) <= 2 * factor and abs(y1 * factor - 316) <= 2 * factor
        for x0, _, _, y1 in edge_boxes(small)
    )
    best = min(hamming_distance(v.value, pdq_hash(inner)[0]) for v in query_variants(outer))
    assert best <= 31


@pytest.mark.parametrize("degrees", [-3.0, 1.5, 4.5])
def test_a_slightly_turned_picture_meets_one_of_its_regions(photos, degrees):
    from PIL import Image

    rgb = photos["chelsea"]
    indexed = [pdq_hash(rgb)[0], *(r["pdq"] for r in region_hashes(rgb))]
    turned = Image.fromarray(rgb).rotate(degrees, resample=Image.BICUBIC)
    query = np.asarray(turned)
    assert min(hamming_distance(pdq_hash(query)[0], r) for r in indexed) > 31
    best = min(hamming_distance(v.value, r) for v in query_variants(query) for r in indexed)
    assert best <= 31


def test_the_turned_box_is_pillows_rotation_of_that_part(photos):
    """The slow twin: turning only a box equals turning the whole luma and cutting it."""
    from PIL import Image

    luma = luma_of(photos["coffee"])
    box = (40, 30, 500, 350)
    for degrees in (-4.0, 2.0):
        whole = Image.fromarray(luma, mode="F").rotate(degrees, resample=Image.NEAREST)
        expected = np.asarray(whole)[box[1] : box[3], box[0] : box[2]]
        got = _turned_box(Image.fromarray(luma, mode="F"), degrees, box)
        assert got.shape == expected.shape
        assert np.mean(np.abs(got - expected)) < 0.05  # a pixel in a thousand may round apart
