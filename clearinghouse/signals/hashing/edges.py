"""Finding the picture inside a re-upload: flat borders, and rectangles of straight edges.

Re-uploaders add letterboxes, frames and banners, or paste the picture into another one.
Those leave traces that are cheap to find on a small copy of the luma: rows and columns
of one flat colour at the edges (``trim_box``), and long straight edges — a banner's
boundary across the whole width, the four sides of a pasted picture (``edge_boxes``).
Every box is ``(left, top, right, bottom)`` in pixels of the image given, right and
bottom exclusive. Deterministic: the same luma always gives the same boxes.
"""

from __future__ import annotations

import numpy as np

__all__ = ["edge_boxes", "refine", "small_luma", "trim_box"]

Box = tuple[int, int, int, int]

_SMALL_SIDE = 256  # edges are looked for on a copy whose longer side is at most this
_FLAT_STD = 6.0  # a border row or column varies less than this (of 255)
_FLAT_STEP = 12.0  # … and its mean stays this close to the outermost one
_MIN_TRIM = 0.02  # trims smaller than this share of a side are noise, not a border
_EDGE_STEP = 12.0  # a luma step this large between the rows either side is an edge pixel
_MIN_RUN = 0.25  # a straight edge spans at least this share of the side
_FULL_RUN = 0.90  # … and a banner's boundary nearly all of it
_MIN_PART = 0.45  # a part split off by a banner line keeps at least this share
_MIN_BOX = 0.25  # a pasted picture is at least this share of each side
_MAX_BOXES = 6


def small_luma(luma: np.ndarray) -> tuple[np.ndarray, int]:
    """A box-averaged copy of the luma with the longer side ≤ 256, and the factor used."""
    height, width = luma.shape
    factor = max(1, -(-max(height, width) // _SMALL_SIDE))
    h, w = height // factor, width // factor
    if factor == 1:
        return np.asarray(luma, np.float32), 1
    cropped = np.asarray(luma[: h * factor, : w * factor], np.float32)
    return cropped.reshape(h, factor, w, factor).mean(axis=(1, 3)), factor


def trim_box(small: np.ndarray) -> Box | None:
    """The box inside flat borders (letterbox, pillarbox, frame), or None when there are none."""
    h, w = small.shape
    top = _flat_run(small)
    bottom = _flat_run(small[::-1])
    left = _flat_run(small.T)
    right = _flat_run(small.T[::-1])
    if max(top, bottom) < _MIN_TRIM * h and max(left, right) < _MIN_TRIM * w:
        return None
    box = (left, top, w - right, h - bottom)
    if box[2] - box[0] < _MIN_BOX * w or box[3] - box[1] < _MIN_BOX * h:
        return None  # nearly all flat: nothing inside worth hashing
    return box


def _flat_run(rows: np.ndarray) -> int:
    """How many leading rows are flat and of the first row's colour."""
    means = rows.mean(axis=1)
    flat = (rows.std(axis=1) < _FLAT_STD) & (np.abs(means - means[0]) < _FLAT_STEP)
    if not flat[0]:
        return 0
    return int(np.argmin(flat)) if not flat.all() else len(flat)


def edge_boxes(small: np.ndarray) -> list[Box]:
    """Boxes bounded by long straight edges: the parts beside a banner's boundary, and
    rectangles whose four sides are straight edges (or the image's own sides, at most
    two of them). Strongest first, at most six, none nearly the whole image."""
    h, w = small.shape
    across = _close_gaps(_boundary_pixels(small), max(2, w // 25))
    down = _close_gaps(_boundary_pixels(small.T), max(2, h // 25))
    rows, cols = _lines(across, w), _lines(down, h)
    scored: list[tuple[float, Box]] = []
    row_sums, col_sums = _prefix(across), _prefix(down)
    for y in rows:
        share = (row_sums[y, w] - row_sums[y, 0]) / w
        if share >= _FULL_RUN:
            if y + 1 >= _MIN_PART * h:
                scored.append((share, (0, 0, w, y + 1)))
            if h - y - 1 >= _MIN_PART * h:
                scored.append((share, (0, y + 1, w, h)))
    for x in cols:
        share = (col_sums[x, h] - col_sums[x, 0]) / h
        if share >= _FULL_RUN:
            if x + 1 >= _MIN_PART * w:
                scored.append((share, (0, 0, x + 1, h)))
            if w - x - 1 >= _MIN_PART * w:
                scored.append((share, (x + 1, 0, w, h)))
    scored += _rectangles(rows, cols, row_sums, col_sums, w, h)
    boxes: list[Box] = []
    for _score, box in sorted(scored, key=lambda sb: (-sb[0], sb[1])):
        area = (box[2] - box[0]) * (box[3] - box[1])
        if area > 0.92 * w * h or any(_iou(box, kept) > 0.85 for kept in boxes):
            continue
        boxes.append(box)
        if len(boxes) == _MAX_BOXES:
            break
    return boxes


def _boundary_pixels(small: np.ndarray) -> np.ndarray:
    """(h-1, w) booleans: where a boundary lies between rows y and y+1. A boundary is a
    step between the bands of rows on either side (2 rows each, smoothed over 3 columns)
    that is the largest of its column within 2 rows: texture (grass, brick, gravel) steps
    everywhere, but a picture's edge steps more than the texture beside it."""
    h = small.shape[0]
    padded = np.pad(small, ((0, 0), (1, 1)), mode="edge")
    along = (padded[:, :-2] + padded[:, 1:-1] + padded[:, 2:]) / 3
    rows = np.pad(along, ((1, 1), (0, 0)), mode="edge")
    # step[y] compares rows y-1, y with rows y+1, y+2 (bands of 2 around the boundary)
    step = np.abs(rows[3:] + rows[2:-1] - rows[1:-2] - rows[:-3]) / 2
    step = step[: h - 1]
    neighbours = np.pad(step, ((2, 2), (0, 0)), mode="constant")
    peak = step >= np.max([neighbours[k : k + h - 1] for k in (0, 1, 3, 4)], axis=0)
    return (step > _EDGE_STEP) & peak


def _prefix(strong: np.ndarray) -> np.ndarray:
    return np.concatenate((np.zeros((strong.shape[0], 1), np.int32), strong.cumsum(1)), axis=1)


def _lines(strong: np.ndarray, side: int) -> list[int]:
    """Rows holding at least a quarter of a side of edge pixels, one per group of
    neighbouring rows (the fullest), the fullest twelve."""
    counts = strong.sum(axis=1)
    found: list[int] = []
    for row in np.flatnonzero(counts >= _MIN_RUN * side):
        if found and row - found[-1] <= 2:
            if counts[row] > counts[found[-1]]:
                found[-1] = int(row)
            continue
        found.append(int(row))
    return sorted(sorted(found, key=lambda r: -counts[r])[:12])


def _rectangles(rows, cols, row_sums, col_sums, w, h) -> list[tuple[float, Box]]:
    """Rectangles whose sides are mostly edge pixels; the image's sides may stand in for
    at most two of them (a picture pasted against an edge)."""
    # Boundaries: an edge row y lies between pixel rows y and y+1; -1 and h-1 are the sides.
    ys = [(-1, True), *((y, False) for y in rows), (h - 1, True)]
    xs = [(-1, True), *((x, False) for x in cols), (w - 1, True)]
    out: list[tuple[float, Box]] = []
    for i, (ya, va) in enumerate(ys):
        for yb, vb in ys[i + 1 :]:
            if yb - ya < _MIN_BOX * h:
                continue
            for j, (xa, ha) in enumerate(xs):
                for xb, hb in xs[j + 1 :]:
                    if xb - xa < _MIN_BOX * w or va + vb + ha + hb > 2:
                        continue
                    shares = []
                    for line, virtual, sums, lo, hi in (
                        (ya, va, row_sums, xa + 1, xb + 1),
                        (yb, vb, row_sums, xa + 1, xb + 1),
                        (xa, ha, col_sums, ya + 1, yb + 1),
                        (xb, hb, col_sums, ya + 1, yb + 1),
                    ):
                        if not virtual:
                            shares.append((sums[line, hi] - sums[line, lo]) / (hi - lo))
                    if min(shares) >= 0.7:
                        # Each real side counts: four straight sides beat three and an
                        # image side standing in (a picture pasted near an edge).
                        out.append((sum(shares) / 4, (xa + 1, ya + 1, xb + 1, yb + 1)))
    return out


def _close_gaps(strong: np.ndarray, gap: int) -> np.ndarray:
    """Fill gaps of up to ``gap`` pixels along each row: where both sides of a straight
    edge happen to be alike, the edge goes on."""
    width = strong.shape[1]
    counts = np.concatenate((np.zeros((strong.shape[0], 1), np.int32), strong.cumsum(1)), axis=1)
    positions = np.arange(width)
    before = counts[:, positions + 1] - counts[:, np.maximum(positions - gap, 0)]
    after = counts[:, np.minimum(positions + gap + 1, width)] - counts[:, positions]
    return strong | ((before > 0) & (after > 0))


def refine(luma: np.ndarray, box: Box, factor: int) -> Box:
    """A box found on the small copy, moved side by side to the strongest full-size edge
    within a few pixels, so that the part hashed lines up with the picture to the pixel."""
    height, width = luma.shape
    left, top, right, bottom = (v * factor for v in box)
    reach = 2 * factor
    if factor == 1 or right - left < 4 * reach or bottom - top < 4 * reach:
        return (left, top, min(right, width), min(bottom, height))
    rows = luma[top + reach : bottom - reach]
    cols = luma[:, left + reach : right - reach]
    top = _strongest(cols.T, top, reach, height) if top > 0 else 0
    bottom = _strongest(cols.T, bottom, reach, height) if bottom < height - factor else height
    left = _strongest(rows, left, reach, width) if left > 0 else 0
    right = _strongest(rows, right, reach, width) if right < width - factor else width
    return (left, top, right, bottom)


def _strongest(lines: np.ndarray, at: int, reach: int, side: int) -> int:
    """The boundary near ``at`` (between index b-1 and b along axis 1) with the largest
    mean step across ``lines``."""
    lo, hi = max(1, at - reach), min(side - 1, at + reach)
    if hi <= lo:
        return at
    steps = np.abs(lines[:, lo : hi + 1].astype(np.float32) - lines[:, lo - 1 : hi]).mean(axis=0)
    return lo + int(np.argmax(steps))


def _iou(a: Box, b: Box) -> float:
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0, x1 - x0) * max(0, y1 - y0)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union else 0.0
