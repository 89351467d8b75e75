"""PDQ dihedral variants on real photographs: from the image exactly as the reference, and from
the hash alone within the match distance."""

from __future__ import annotations

import numpy as np
import pdqhash

from clearinghouse.signals import DIHEDRAL_NAMES, dihedral_variants, hamming_distance
from clearinghouse.signals.hashing import pdq_dihedral


def _reference(rgb):
    vectors, quality = pdqhash.compute_dihedral(rgb)
    hexes = [np.packbits(v.astype(np.uint8)).tobytes().hex() for v in vectors]
    return dict(zip(DIHEDRAL_NAMES, hexes, strict=True)), quality


def test_pixel_domain_variants_equal_the_reference(photos):
    for name, rgb in photos.items():
        ours, quality = pdq_dihedral(rgb)
        reference, reference_quality = _reference(rgb)
        assert ours == reference, name
        assert abs(quality - reference_quality) <= 1


def test_hash_domain_variants_stay_close_to_the_reference(photos):
    worst = 0
    for rgb in photos.values():
        reference, _ = _reference(rgb)
        derived = dihedral_variants(reference["original"])
        assert derived["original"] == reference["original"]
        assert derived["flipplus1"] == reference["flipplus1"]  # a transpose is exact
        for name in DIHEDRAL_NAMES:
            worst = max(worst, hamming_distance(derived[name], reference[name]))
    assert worst <= 24  # well inside PDQ's default match distance of 31


def test_hash_domain_variants_find_a_mirrored_photo(photos):
    """Hashing the mirrored pixels lands within the match distance of one derived variant."""
    from clearinghouse.signals.hashing import pdq_hash

    for name, rgb in photos.items():
        original, _ = pdq_hash(rgb)
        mirrored, _ = pdq_hash(np.ascontiguousarray(rgb[:, ::-1]))
        rotated, _ = pdq_hash(np.ascontiguousarray(np.rot90(rgb)))
        variants = dihedral_variants(original).values()
        assert min(hamming_distance(v, mirrored) for v in variants) <= 31, name
        assert min(hamming_distance(v, rotated) for v in variants) <= 31, name
