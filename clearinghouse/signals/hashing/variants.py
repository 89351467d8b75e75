"""Query variants: the few PDQs a querying member sends for one image (DESIGN §15).

A re-upload is often the known picture with something around it or turned over. The
member looking a file up hashes, besides the image itself, the 8 dihedral transforms
(mirror, rotations), the picture with its flat borders trimmed (letterbox, frame), and
the boxes bounded by straight edges (the part above or below a banner, a picture pasted
into another one; ``edges.py``), centre crops, the picture turned back by a few degrees either
way (a small rotation), and crops keeping one corner by a sweep of shares (an off-centre
crop of the known image lines up with one of the ladder's corners).
Only quality ≥ 50 variants are kept, each PDQ once, first name wins, at most
``MAX_VARIANTS``: one file's variants always fit one match request. The boxes are hashed
together (``crops.py``). The server sees these PDQs as one batch, never the media.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from clearinghouse.signals.hashing.crops import pdq_of_boxes
from clearinghouse.signals.hashing.edges import edge_boxes, refine, small_luma, trim_box
from clearinghouse.signals.hashing.pdq import luma_of, pdq_dihedral, pdq_hash
from clearinghouse.signals.hashing.regions import LADDER

if TYPE_CHECKING:
    from PIL.Image import Image

__all__ = ["CENTRE_SCALES", "MAX_VARIANTS", "STRIPS", "Variant", "query_variants"]

Box = tuple[int, int, int, int]

MAX_VARIANTS = 80
CENTRE_SCALES = (0.96, 0.92, 0.88)
# Corner crops of the query by these shares of each side: a crop that kept one corner of
# the known image by any share from 70 % to 90 % of each side lands within about 1 % of
# one of the ladder's 70 % or 80 % corners (regions.py), as near as PDQ needs.
CORNER_SCALES = tuple(round(0.985**k, 3) for k in range(1, 10))
CORNERS = ("top-left", "top-right", "bottom-left", "bottom-right")
# A picture turned by a few degrees, turned back by each of these (one of them within 1°
# of any turn from 1° to 5° either way), and its centre crops that the turn left whole.
ROTATIONS = (-4.0, -2.0, 2.0, 4.0)
ROTATED_CROPS = (0.8,)
STRIPS = ("top-80", "bottom-80", "top-65", "bottom-65")
_MIN_QUALITY = 50


class Variant(NamedTuple):
    """One PDQ of a query image and what was done to the image to get it."""

    name: str  # "original", a dihedral name ("flipx"…), "trimmed", "box-1"…
    value: str
    quality: int


def query_variants(
    rgb: np.ndarray, luma: np.ndarray | None = None, *, dihedral: bool = True
) -> list[Variant]:
    """The variants of an H×W×3 RGB array, ``original`` first (kept whatever its quality)."""
    if luma is None:
        luma = luma_of(rgb)
    if dihedral:
        forms, quality = pdq_dihedral(rgb, luma)
        found = [Variant(name, value, quality) for name, value in forms.items()]
    else:
        found = [Variant("original", *pdq_hash(rgb, luma))]
    small, factor = small_luma(luma)
    height, width = luma.shape
    trimmed = trim_box(small)
    boxes: list[tuple[str, Box]] = []
    if trimmed is not None:
        boxes.append(("trimmed", refine(luma, trimmed, factor)))
        # The straight edges of what the borders held (a framed picture with a banner).
        inner = small[trimmed[1] : trimmed[3], trimmed[0] : trimmed[2]]
        shift = (trimmed[0], trimmed[1], trimmed[0], trimmed[1])
        for n, box in enumerate(edge_boxes(inner), start=1):
            moved = tuple(a + b for a, b in zip(box, shift, strict=True))
            boxes.append((f"trimmed-box-{n}", refine(luma, moved, factor)))
    for n, box in enumerate(edge_boxes(small), start=1):
        boxes.append((f"box-{n}", refine(luma, box, factor)))
    # Centre crops of the picture (borders trimmed), so that a crop of the known image
    # by any share lands near one of the index's centre regions (regions.py).
    outer = boxes[0][1] if trimmed is not None else (0, 0, width, height)
    for scale in CENTRE_SCALES:
        boxes.append((f"centre-{round(scale * 100)}", _centre(outer, scale)))
    # The index's own strips of the whole image: a banner or caption laid over one end
    # of the known image leaves the other end's strip exactly as indexed.
    for name, x0, y0, x1, y1 in LADDER:
        if name in STRIPS:
            box = (round(x0 * width), round(y0 * height), round(x1 * width), round(y1 * height))
            boxes.append((name, box))
    found += _hashed(luma, boxes)
    # Turned back: the centre of what was turned is whole, the corners the turn cut off
    # are not hashed.
    source = _as_image(luma)
    for degrees in ROTATIONS:
        for scale in ROTATED_CROPS:
            part = _turned_box(source, degrees, _centre((0, 0, width, height), scale))
            whole = (0, 0, part.shape[1], part.shape[0])
            found += _hashed(part, [(f"rotated{degrees:+g}-centre-{round(scale * 100)}", whole)])
    # Last (the first dropped should there be too many): the sweep of corner crops.
    corners = [(f"{corner}-{scale * 100:g}", _corner(outer, corner, scale))
               for scale in CORNER_SCALES for corner in CORNERS]  # fmt: skip
    found += _hashed(luma, corners)
    out: list[Variant] = []
    seen: set[str] = set()
    for n, variant in enumerate(found):
        if variant.value in seen or (n and variant.quality < _MIN_QUALITY):
            continue
        seen.add(variant.value)
        out.append(variant)
    return out[:MAX_VARIANTS]


def _hashed(luma: np.ndarray, boxes: list[tuple[str, Box]]) -> list[Variant]:
    hashed = pdq_of_boxes(None, luma, [box for _name, box in boxes], exact=False)
    return [Variant(name, *pdq) for (name, _box), pdq in zip(boxes, hashed, strict=True)]


def _as_image(luma: np.ndarray) -> Image:
    from PIL.Image import fromarray

    return fromarray(np.asarray(luma, np.float32), mode="F")


def _turned_box(source: Image, degrees: float, box: Box) -> np.ndarray:
    """The part ``box`` of a luma image (mode "F") turned counter-clockwise by ``degrees``
    about its centre (as Pillow's ``rotate`` turns it), only that part computed; nearest
    pixel, as PDQ's blur smooths far more than that."""
    from PIL.Image import Transform

    width, height = source.size
    left, top, right, bottom = box
    cx, cy = width / 2, height / 2
    cos, sin = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    # Output pixel (u, v) of the box is image point (left + u, top + v); Pillow reads the
    # source at that point turned back about the centre.
    dx, dy = left - cx, top - cy
    coefficients = (cos, -sin, cos * dx - sin * dy + cx, sin, cos, sin * dx + cos * dy + cy)
    part = source.transform((right - left, bottom - top), Transform.AFFINE, coefficients)
    return np.asarray(part, np.float32)


def _corner(box: Box, corner: str, scale: float) -> Box:
    left, top, right, bottom = box
    dx = round((right - left) * (1 - scale))
    dy = round((bottom - top) * (1 - scale))
    if corner.startswith("top"):
        bottom -= dy
    else:
        top += dy
    if corner.endswith("left"):
        right -= dx
    else:
        left += dx
    return (left, top, right, bottom)


def _centre(box: Box, scale: float) -> Box:
    left, top, right, bottom = box
    dx = round((right - left) * (1 - scale) / 2)
    dy = round((bottom - top) * (1 - scale) / 2)
    return (left + dx, top + dy, right - dx, bottom - dy)
