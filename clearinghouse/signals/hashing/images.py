"""Decoding images the same way for every hash: orientation, colour mode, size limits.

Every image hash sees the same RGB pixels: EXIF orientation applied; palette and alpha
composited on white (transparent pixels are usually white where the image is shown);
16-bit and 32-bit greyscale scaled down to 8 bits rather than clipped; CMYK and the rest
converted by Pillow. A decompression bomb — an image whose header claims more pixels than
``max_pixels`` — is refused before its pixels are decoded.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps

from clearinghouse.signals.hashing.errors import HashingError

__all__ = ["DEFAULT_MAX_PIXELS", "decode_image", "image_hashes", "to_rgb"]

DEFAULT_MAX_PIXELS = Image.MAX_IMAGE_PIXELS or 89_478_485
IMAGEHASH_TYPES = ("phash", "dhash", "ahash", "whash")
_WHITE = (255, 255, 255)
_ORIENTATION = 0x0112  # EXIF tag


def decode_image(
    source: str | Path | BinaryIO,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    draft_min_side: int | None = None,
) -> Image.Image:
    """Open, check and fully decode an image into 8-bit RGB; raise HashingError if it cannot be.

    ``draft_min_side`` lets JPEG decoding scale down (1/2, 1/4, 1/8) while keeping the
    shorter side at least that long: faster, but it moves hashes (docs/signals.md).
    """
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its limit and twice it; a bomb is a bomb.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # No ``with``: load() closes a file Pillow opened, and closing the image
            # itself would invalidate the pixels we return.
            image = Image.open(source)
            width, height = image.size
            if width * height > max_pixels:
                raise HashingError(
                    f"decompression bomb refused: {width}×{height} pixels is more than {max_pixels}"
                )
            if draft_min_side and image.format == "JPEG" and min(width, height) > draft_min_side:
                ratio = draft_min_side / min(width, height)
                image.draft("RGB", (math.ceil(width * ratio), math.ceil(height * ratio)))
            image.load()
            if image.getexif().get(_ORIENTATION, 1) not in (0, 1):
                image = ImageOps.exif_transpose(image)
            return to_rgb(image)
    except HashingError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise HashingError(f"decompression bomb refused: {error}") from error
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        # Pillow reports truncated and corrupt files as OSError, some plugins as the others.
        raise HashingError(f"cannot decode image: {error}") from error


def to_rgb(image: Image.Image) -> Image.Image:
    """Convert any Pillow mode to 8-bit RGB: alpha on white, high bit depths scaled, not clipped."""
    mode = image.mode
    if mode == "RGB":
        return image
    if mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
        mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        wide = np.asarray(image, dtype=np.float64)
        peak = 65535.0 if mode != "I" or wide.max() > 255 else 255.0
        eight = np.clip(np.rint(wide * (255.0 / peak)), 0, 255).astype(np.uint8)
        return Image.fromarray(eight, "L").convert("RGB")
    if mode == "F":
        eight = np.clip(np.rint(np.asarray(image, dtype=np.float64)), 0, 255).astype(np.uint8)
        return Image.fromarray(eight, "L").convert("RGB")
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (*_WHITE, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def image_hashes(image: Image.Image, types: frozenset[str]) -> list[tuple[str, str, int | None]]:
    """``(signal_type, value, quality)`` for each requested perceptual type of an RGB image."""
    results: list[tuple[str, str, int | None]] = []
    if "pdq" in types:
        from clearinghouse.signals.hashing.pdq import pdq_hash

        value, quality = pdq_hash(np.asarray(image))
        results.append(("pdq", value, quality))
    wanted = [t for t in IMAGEHASH_TYPES if t in types]
    if wanted:
        import imagehash

        functions = {
            "phash": imagehash.phash,
            "dhash": imagehash.dhash,
            "ahash": imagehash.average_hash,
            "whash": imagehash.whash,
        }
        for name in wanted:
            results.append((name, str(functions[name](image, hash_size=8)), None))
    return results
