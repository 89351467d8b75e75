"""Real photographs for the hashing tests: the ones scikit-image ships inside its wheel, loaded
once per session (the unit and integration conftests of the signals tests share this fixture)."""

from __future__ import annotations

import numpy as np
import pytest

PHOTO_NAMES = (
    "astronaut",
    "camera",
    "chelsea",
    "coffee",
    "rocket",
    "hubble_deep_field",
    "moon",
    "retina",
)


def load_photo(name: str) -> np.ndarray:
    """A bundled scikit-image photograph as H×W×3 uint8 RGB (never downloaded)."""
    from skimage import data

    image = getattr(data, name)()
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    return np.ascontiguousarray(image[:, :, :3].astype(np.uint8))


@pytest.fixture(scope="session")
def photos() -> dict[str, np.ndarray]:
    return {name: load_photo(name) for name in PHOTO_NAMES}
