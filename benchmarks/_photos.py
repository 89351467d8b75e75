"""The photographs scikit-image ships in its wheel, for the benchmarks (nothing downloaded)."""

from __future__ import annotations

import numpy as np
from PIL import Image


def load_photo(name: str) -> Image.Image:
    """A bundled photograph as an RGB Pillow image (``motorcycle``: the stereo pair's left)."""
    from skimage import data

    array = data.stereo_motorcycle()[0] if name == "motorcycle" else getattr(data, name)()
    if array.dtype != np.uint8:
        array = (np.clip(array, 0, 1) * 255).round().astype(np.uint8)
    if array.ndim == 2:
        array = np.stack([array] * 3, axis=-1)
    return Image.fromarray(np.ascontiguousarray(array[:, :, :3]))
