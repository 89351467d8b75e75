"""The fast PDQ against the reference library on real photographs and their everyday edits."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageEnhance

from clearinghouse.signals.hashing import pdq, pdq_hash, pdq_hash_reference
from clearinghouse.signals.hashing.pdq import _dct16


def _variants(rgb, large=True):
    """The photograph and some everyday edits of it, as decoded pixels."""
    image = Image.fromarray(rgb)
    yield "as is", rgb
    for size in ((1024, 768), (333, 517), (64, 64), (2000, 1500))[: 4 if large else 3]:
        yield f"resized {size}", np.asarray(image.resize(size))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=40)
    yield "jpeg 40", np.asarray(Image.open(buffer).convert("RGB"))
    yield "darker", np.asarray(ImageEnhance.Brightness(image).enhance(0.5))


def test_fast_pdq_equals_the_reference_on_photographs(photos, monkeypatch):
    deferred = []
    reference_hash = pdq.pdq_hash_reference
    monkeypatch.setattr(
        pdq, "pdq_hash_reference", lambda rgb: deferred.append(1) or reference_hash(rgb)
    )
    checked = 0
    for name, rgb in photos.items():
        for edit, pixels in _variants(rgb):
            pixels = np.ascontiguousarray(pixels)
            ours, quality = pdq_hash(pixels)
            reference, reference_quality = pdq_hash_reference(pixels)
            assert ours == reference, (name, edit)
            assert abs(quality - reference_quality) <= 1, (name, edit)
            checked += 1
    assert checked == len(photos) * 7
    assert len(deferred) <= checked // 5  # the fast path answers nearly always


def test_coefficients_are_within_the_margin_of_the_reference_floats(photos):
    import pdqhash

    for name, rgb in photos.items():
        for edit, pixels in _variants(rgb, large=False):
            pixels = np.ascontiguousarray(pixels)
            ours, _ = _dct16(pixels)
            theirs, _ = pdqhash.compute_float(pixels)
            theirs = np.asarray(theirs)[::-1].reshape(16, 16)  # pdqhash lists bit 255 first
            assert np.abs(ours - theirs).max() <= 2e-3 < pdq._MARGIN, (name, edit)
