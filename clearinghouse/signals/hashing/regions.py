"""The region ladder: PDQs of fixed sub-regions of an image, computed by the submitting member.

A re-upload that crops the picture, or covers part of it with a banner or a caption,
keeps a large part of the original. The submitting member hashes that part in advance:
besides the whole image's PDQ it computes the PDQs of a fixed ladder of regions (centre
crops, strips without the top or bottom, the corners at two sizes), and the server indexes them as
aliases of the item's signal (DESIGN §15). The ladder is versioned: a change of it is a
new ``LADDER_VERSION``, and docs/signals.md gives the evaluation it was tuned on
(benchmarks/regions.py). Only regions of quality ≥ ``MIN_REGION_QUALITY`` are kept, at
most ``MAX_REGIONS`` per item, each once. The same pixels always give the same list:
``clearinghouse hash`` and the SDK both call ``region_hashes``.

Regions never leave the server: they are only in the signed statement that carried them.
"""

from __future__ import annotations

import numpy as np

from clearinghouse.signals.hashing.crops import pdq_of_boxes
from clearinghouse.signals.hashing.pdq import luma_of
from clearinghouse.wire import REGIONS_PER_ITEM_LIMIT

__all__ = ["LADDER", "LADDER_VERSION", "MAX_REGIONS", "MIN_REGION_QUALITY", "region_hashes"]

LADDER_VERSION = 2
# (name, left, top, right, bottom) as fractions of the width and height, in the order
# they are hashed and sent. Tuned on benchmarks/regions.py (docs/signals.md).
LADDER: tuple[tuple[str, float, float, float, float], ...] = (
    ("centre-90", 0.05, 0.05, 0.95, 0.95),
    ("centre-80", 0.10, 0.10, 0.90, 0.90),
    ("centre-70", 0.15, 0.15, 0.85, 0.85),
    ("top-80", 0.0, 0.0, 1.0, 0.80),
    ("bottom-80", 0.0, 0.20, 1.0, 1.0),
    ("top-left-80", 0.0, 0.0, 0.80, 0.80),
    ("top-right-80", 0.20, 0.0, 1.0, 0.80),
    ("bottom-left-80", 0.0, 0.20, 0.80, 1.0),
    ("bottom-right-80", 0.20, 0.20, 1.0, 1.0),
    ("top-left-70", 0.0, 0.0, 0.70, 0.70),
    ("top-right-70", 0.30, 0.0, 1.0, 0.70),
    ("bottom-left-70", 0.0, 0.30, 0.70, 1.0),
    ("bottom-right-70", 0.30, 0.30, 1.0, 1.0),
    ("top-65", 0.0, 0.0, 1.0, 0.65),
    ("bottom-65", 0.0, 0.35, 1.0, 1.0),
    ("centre-55", 0.225, 0.225, 0.775, 0.775),
)
MAX_REGIONS = REGIONS_PER_ITEM_LIMIT  # the server refuses more per item
MIN_REGION_QUALITY = 50  # as for any PDQ the server indexes


def region_hashes(rgb: np.ndarray, luma: np.ndarray | None = None) -> list[dict[str, object]]:
    """``[{"pdq", "quality"}]`` of the ladder's regions of an H×W×3 RGB array.

    Regions below the minimum quality are left out, and so is a region whose PDQ equals
    an earlier one's; the list keeps the ladder's order and holds at most ``MAX_REGIONS``.
    """
    if luma is None:
        luma = luma_of(rgb)
    height, width = luma.shape
    boxes = [
        (round(left * width), round(top * height), round(right * width), round(bottom * height))
        for _name, left, top, right, bottom in LADDER
    ]
    out: list[dict[str, object]] = []
    seen: set[str] = set()
    for value, quality in pdq_of_boxes(rgb, luma, boxes):
        if quality < MIN_REGION_QUALITY or value in seen:
            continue
        seen.add(value)
        out.append({"pdq": value, "quality": quality})
    return out[:MAX_REGIONS]
