"""Decoding images before hashing: orientation, colour modes, bombs and broken files."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from clearinghouse.signals import hamming_distance
from clearinghouse.signals.hashing import HashingError, decode_image, pdq_hash, to_rgb


def _encode(image: Image.Image, fmt: str, **kw) -> io.BytesIO:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **kw)
    buffer.seek(0)
    return buffer


@pytest.fixture(scope="module")
def chelsea(photos):
    return Image.fromarray(photos["chelsea"])


def test_exif_orientation_is_applied(chelsea):
    rotated = chelsea.transpose(Image.Transpose.ROTATE_90)  # what the camera stored
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    decoded = decode_image(_encode(rotated, "PNG", exif=exif))
    assert decoded.size == chelsea.size
    original, _ = pdq_hash(np.asarray(chelsea))
    assert hamming_distance(pdq_hash(np.asarray(decoded))[0], original) == 0


def test_alpha_is_composited_on_white():
    rgba = Image.new("RGBA", (40, 30), (255, 0, 0, 0))
    rgba.paste((0, 0, 255, 255), (0, 0, 20, 30))
    decoded = np.asarray(decode_image(_encode(rgba, "PNG")))
    assert decoded.shape == (30, 40, 3)
    assert tuple(decoded[0, 0]) == (0, 0, 255)
    assert tuple(decoded[0, 39]) == (255, 255, 255)  # transparent red shows as white


def test_grey_with_alpha_is_composited_on_white():
    la = Image.new("LA", (10, 10), (0, 0))
    assert tuple(np.asarray(to_rgb(la))[5, 5]) == (255, 255, 255)


def test_palette_with_transparency_is_composited_on_white():
    palette = Image.new("P", (10, 10), 0)
    palette.putpalette([0, 0, 0, 10, 200, 30] + [0] * 762)
    palette.paste(1, (0, 0, 5, 10))
    palette.info["transparency"] = 0
    decoded = np.asarray(decode_image(_encode(palette, "PNG")))
    assert tuple(decoded[0, 0]) == (10, 200, 30)
    assert tuple(decoded[0, 9]) == (255, 255, 255)


def test_palette_image_hashes_like_its_rgb_twin(chelsea):
    quantised = chelsea.quantize(256)
    decoded = decode_image(_encode(quantised, "PNG"))
    expected = np.asarray(quantised.convert("RGB"))
    assert np.array_equal(np.asarray(decoded), expected)


def test_sixteen_bit_grey_is_scaled_not_clipped(photos):
    grey8 = np.asarray(Image.fromarray(photos["camera"]).convert("L"))
    grey16 = grey8.astype(np.uint16) * 257  # full 16-bit range
    decoded = np.asarray(decode_image(_encode(Image.fromarray(grey16), "PNG")))
    assert np.array_equal(decoded[:, :, 0], grey8)
    assert np.array_equal(decoded[:, :, 1], grey8)


def test_cmyk_jpeg_hashes_near_the_rgb_original(chelsea):
    cmyk = decode_image(_encode(chelsea.convert("CMYK"), "JPEG", quality=95))
    rgb = decode_image(_encode(chelsea, "JPEG", quality=95))
    assert cmyk.mode == "RGB"
    assert hamming_distance(pdq_hash(np.asarray(cmyk))[0], pdq_hash(np.asarray(rgb))[0]) <= 10


def test_a_decompression_bomb_is_refused_before_decoding():
    huge = _encode(Image.new("L", (2000, 2000)), "PNG")
    with pytest.raises(HashingError, match="decompression bomb refused: 2000×2000 pixels"):
        decode_image(huge, max_pixels=1_000_000)


def test_pillows_own_bomb_error_is_reported_too(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100_000)
    with pytest.raises(HashingError, match="decompression bomb refused"):
        decode_image(_encode(Image.new("L", (500, 500)), "PNG"), max_pixels=10**9)


def test_a_truncated_jpeg_is_an_error(chelsea):
    data = _encode(chelsea, "JPEG").getvalue()
    with pytest.raises(HashingError, match=r"cannot decode image.*truncated"):
        decode_image(io.BytesIO(data[: len(data) // 2]))


def test_garbage_is_an_error():
    with pytest.raises(HashingError, match="cannot decode image"):
        decode_image(io.BytesIO(b"\xff\xd8\xff" + b"\x00" * 100))


def test_reduced_size_jpeg_decoding_keeps_the_shorter_side(photos):
    big = Image.fromarray(photos["hubble_deep_field"]).resize((1024, 768))
    data = _encode(big, "JPEG", quality=90)
    full = decode_image(data)
    data.seek(0)
    small = decode_image(data, draft_min_side=256)
    assert full.size == (1024, 768)
    assert small.size == (512, 384)  # JPEG scales by powers of two, never below 256
