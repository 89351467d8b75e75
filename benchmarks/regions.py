"""Evaluation of region hashes and query variants on real photographs (DESIGN §15).

Sources are the photographs scikit-image ships in its wheel (nothing is downloaded).
Each source is edited as re-uploaders do (crops, banners, letterbox, frame, caption,
picture-in-picture onto another photo, mirror, small rotation, JPEG, resize) and looked
up against an index of the sources plus distractors: the 200 real face photographs of
scikit-image's LFW subset and tiles of a held-out photograph (no distractor overlaps a
source). Three methods, measured in the same run on the same queries:

- plain PDQ: the edited image's PDQ against the indexed PDQs;
- PDQ + dihedral: its 8 dihedral PDQs against the indexed PDQs;
- regions + variants: the query variants (signals/hashing/variants.py) against the
  indexed PDQs and their region ladders (signals/hashing/regions.py).

A hit is a code within 31 bits of a code of the source; any code of another image within
31 is a false match. Also printed: the distances between codes of different images, the
false-match rate per query they predict at 10^7 indexed codes, index memory per image,
and the member-side hashing cost for a 1024×768 photo on one core.

    .venv/bin/python benchmarks/regions.py [--quick]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # the cost is stated for one core
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import io
import math
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _photos import load_photo

from clearinghouse.signals.hashing import decode_image
from clearinghouse.signals.hashing.pdq import luma_of, pdq_dihedral, pdq_hash
from clearinghouse.signals.hashing.regions import region_hashes
from clearinghouse.signals.hashing.variants import MAX_VARIANTS, query_variants

MAX_DISTANCE = 31
SOURCES = (
    "astronaut", "camera", "cell", "chelsea", "clock", "coffee", "coins", "gravel",
    "hubble_deep_field", "immunohistochemistry", "moon", "page", "retina", "rocket",
    "text", "motorcycle",
)  # fmt: skip
BACKGROUNDS = ("brick", "grass")  # picture-in-picture backgrounds, never indexed
TILED = "grass"  # distractor tiles come from a photograph that is no source


def distractors(count: int) -> list[Image.Image]:
    """Real photographs that are none of the sources: LFW faces, then tiles of TILED."""
    from skimage import data

    faces = data.lfw_subset()
    out = []
    for face in faces[:count]:
        eight = (np.clip(face, 0, 1) * 255).round().astype(np.uint8)
        face = Image.fromarray(eight).convert("RGB").resize((100, 100), Image.BICUBIC)
        # Contrast stretched: the small greyscale faces are flat, most below quality 50.
        out.append(ImageOps.autocontrast(face, cutoff=1))
    tile_source = load_photo(TILED)
    w, h = tile_source.size
    scale = 7  # one grid, so that no two tiles overlap
    side_w, side_h = w // scale, h // scale
    for i in range(scale):
        for j in range(scale):
            if len(out) >= count:
                return out
            out.append(tile_source.crop((i * side_w, j * side_h, (i + 1) * side_w,
                                         (j + 1) * side_h)))  # fmt: skip
    return out


# -- the edits ------------------------------------------------------------------------


def _jpeg(quality: int) -> Callable[[Image.Image, Image.Image], Image.Image]:
    def edit(image: Image.Image, _bg: Image.Image) -> Image.Image:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality)
        buffer.seek(0)
        return decode_image(buffer)

    return edit


# Edit amounts are drawn from their range (seeded), not picked to suit the ladder.
_AMOUNTS = np.random.default_rng(20261207)


def _amount(span: tuple[float, float]) -> float:
    return float(_AMOUNTS.uniform(*span))


def _crop(
    span: tuple[float, float], where: str
) -> Callable[[Image.Image, Image.Image], Image.Image]:
    """Cut a share of each side away: centred, or all from the top-left or bottom-right."""

    def edit(image: Image.Image, _bg: Image.Image) -> Image.Image:
        fraction = _amount(span)
        w, h = image.size
        dx, dy = round(w * fraction), round(h * fraction)
        if where == "centre":
            return image.crop((dx // 2, dy // 2, w - (dx - dx // 2), h - (dy - dy // 2)))
        if where == "top-left":
            return image.crop((dx, dy, w, h))
        return image.crop((0, 0, w - dx, h - dy))

    return edit


def _banner(
    span: tuple[float, float], added: bool
) -> Callable[[Image.Image, Image.Image], Image.Image]:
    """A coloured band with text: added below the picture, or laid over its top."""

    def edit(image: Image.Image, _bg: Image.Image) -> Image.Image:
        fraction = _amount(span)
        w, h = image.size
        band = round(h * fraction)
        if added:
            out = Image.new("RGB", (w, h + band), (200, 20, 30))
            out.paste(image, (0, 0))
            y = h
        else:
            out = image.copy()
            ImageDraw.Draw(out).rectangle((0, 0, w, band), fill=(20, 30, 160))
            y = 0
        font = ImageFont.load_default(max(10, band // 2))
        ImageDraw.Draw(out).text((w // 20, y + band // 4), "BREAKING NEWS", fill="white", font=font)
        return out

    return edit


def _letterbox(image: Image.Image, _bg: Image.Image) -> Image.Image:
    w, h = image.size
    out = Image.new("RGB", (w, round(h * 1.35)), (0, 0, 0))
    out.paste(image, (0, (out.size[1] - h) // 2))
    return out


def _frame(image: Image.Image, _bg: Image.Image) -> Image.Image:
    return ImageOps.expand(image, border=max(4, image.size[0] // 12), fill=(240, 240, 240))


def _caption(image: Image.Image, _bg: Image.Image) -> Image.Image:
    out = image.copy()
    w, h = image.size
    size = max(12, h // 10)
    font = ImageFont.load_default(size)
    ImageDraw.Draw(out).text((w // 20, h * 3 // 4), "SHARE THIS NOW", fill="white", font=font,
                             stroke_width=max(1, size // 12), stroke_fill="black")  # fmt: skip
    return out


def _pip(span: tuple[float, float]) -> Callable[[Image.Image, Image.Image], Image.Image]:
    """The picture scaled to a share of the background's width, pasted off-centre."""

    def edit(image: Image.Image, bg: Image.Image) -> Image.Image:
        fraction = _amount(span)
        out = bg.resize((640, 480), Image.BICUBIC)
        w = round(640 * fraction)
        small = image.resize((w, max(8, round(w * image.size[1] / image.size[0]))), Image.LANCZOS)
        small = small.crop((0, 0, small.size[0], min(small.size[1], 470)))
        out.paste(small, (640 - w - 20, max(0, (480 - small.size[1]) // 3)))
        return out

    return edit


def _scale(factor: float) -> Callable[[Image.Image, Image.Image], Image.Image]:
    def edit(image: Image.Image, _bg: Image.Image) -> Image.Image:
        w, h = image.size
        return image.resize((max(8, round(w * factor)), max(8, round(h * factor))), Image.LANCZOS)

    return edit


def _rotate(image: Image.Image, _bg: Image.Image) -> Image.Image:
    return image.rotate(3, resample=Image.BICUBIC, fillcolor=(0, 0, 0))


CROP_OVERLAY = {
    "crop centre 10–20 %": _crop((0.10, 0.20), "centre"),
    "crop centre 20–30 %": _crop((0.20, 0.30), "centre"),
    "crop off-centre 10–30 % (top-left kept)": _crop((0.10, 0.30), "bottom-right"),
    "crop off-centre 10–30 % (bottom-right kept)": _crop((0.10, 0.30), "top-left"),
    "banner 15–25 % added": _banner((0.15, 0.25), True),
    "banner 15–25 % over": _banner((0.15, 0.25), False),
    "letterbox": _letterbox,
    "frame": _frame,
    "caption": _caption,
    "picture-in-picture 50–60 %": _pip((0.5, 0.6)),
    "picture-in-picture 60–70 %": _pip((0.6, 0.7)),
}
OTHER = {
    "mirror": lambda image, _bg: ImageOps.mirror(image),
    "rotate 3°": _rotate,
    "JPEG quality 30": _jpeg(30),
    "resize 25 %": _scale(0.25),
}
EDITS = {**CROP_OVERLAY, **OTHER}


# -- matching ---------------------------------------------------------------------------


def _bits(values: list[str]) -> np.ndarray:
    """Hex PDQs as an (n, 256) bool matrix."""
    raw = np.frombuffer(b"".join(bytes.fromhex(v) for v in values), np.uint8).reshape(-1, 32)
    return np.unpackbits(raw, axis=1).astype(bool)


def _distances(queries: list[str], codes: np.ndarray) -> np.ndarray:
    """(len(queries), len(codes)) Hamming distances, by brute force."""
    q = _bits(queries).astype(np.int32)
    c = codes.astype(np.int32)
    return q.sum(1)[:, None] + c.sum(1)[None, :] - 2 * (q @ c.T)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer sources and distractors")
    args = parser.parse_args()
    sources = SOURCES[:6] if args.quick else SOURCES
    photos = {name: load_photo(name) for name in sources}
    backgrounds = [load_photo(name) for name in BACKGROUNDS]
    others = distractors(40 if args.quick else 249)

    # The index: each image's PDQ and (for the third method) its region ladder.
    owners, codes, is_region = [], [], []
    indexed = [(name, image) for name, image in photos.items()]
    indexed += [(f"distractor-{n}", image) for n, image in enumerate(others)]
    skipped = 0
    for name, image in indexed:
        rgb = np.asarray(image)
        value, quality = pdq_hash(rgb)
        if quality < 50:
            skipped += 1
            continue
        owners.append(name)
        codes.append(value)
        is_region.append(False)
        for region in region_hashes(rgb):
            owners.append(name)
            codes.append(region["pdq"])
            is_region.append(True)
    owners_arr = np.array(owners)
    region_mask = np.array(is_region)
    code_bits = _bits(codes)
    images_indexed = len(set(owners))
    print(f"indexed: {images_indexed} images ({skipped} below quality 50 left out), "
          f"{int((~region_mask).sum())} PDQs + {int(region_mask.sum())} region codes")  # fmt: skip

    methods = ("plain PDQ", "PDQ + dihedral", "regions + variants")
    hits = {m: {e: 0 for e in EDITS} for m in methods}
    false = {m: 0 for m in methods}
    tried = dict.fromkeys(EDITS, 0)
    whole = ~region_mask
    for n, (name, image) in enumerate(photos.items()):
        bg = backgrounds[n % len(backgrounds)]
        for edit_name, edit in EDITS.items():
            rgb = np.asarray(edit(image, bg).convert("RGB"))
            tried[edit_name] += 1
            plain, _ = pdq_hash(rgb)
            forms, _ = pdq_dihedral(rgb)
            variants = [v.value for v in query_variants(rgb)]
            for method, queries, mask in (
                ("plain PDQ", [plain], whole),
                ("PDQ + dihedral", list(forms.values()), whole),
                ("regions + variants", variants, np.ones_like(whole)),
            ):
                near = (_distances(queries, code_bits[mask]) <= MAX_DISTANCE).any(axis=0)
                matched = set(owners_arr[mask][near])
                hits[method][edit_name] += name in matched
                false[method] += len(matched - {name})

    print(f"\nrecall per edit ({len(photos)} sources × {len(EDITS)} edits, "
          f"max_distance {MAX_DISTANCE})\n")  # fmt: skip
    print("| edit | " + " | ".join(methods) + " |")
    print("|---|" + "---:|" * len(methods))
    for edit_name in EDITS:
        row = [f"{hits[m][edit_name] / tried[edit_name]:.2f}" for m in methods]
        print(f"| {edit_name} | " + " | ".join(row) + " |")
    for label, names in (("crop/overlay mix", CROP_OVERLAY), ("all edits", EDITS)):
        total = sum(tried[e] for e in names)
        row = [f"**{sum(hits[m][e] for e in names) / total:.3f}**" for m in methods]
        print(f"| {label} | " + " | ".join(row) + " |")
    print("| false matches | " + " | ".join(str(false[m]) for m in methods) + " |")
    below = [e for e in EDITS if hits[methods[2]][e] < hits[methods[0]][e]]
    print(f"\nedits where regions + variants found fewer than plain PDQ: {below or 'none'}")

    _distribution(code_bits, owners_arr)
    _memory(images_indexed, len(codes))
    _cost()


def _distribution(code_bits: np.ndarray, owners: np.ndarray) -> None:
    """Distances between codes of different images, and what they predict at 10^7."""
    c = code_bits.astype(np.int32)
    d = c.sum(1)[:, None] + c.sum(1)[None, :] - 2 * (c @ c.T)
    different = owners[:, None] != owners[None, :]
    upper = np.triu(np.ones_like(different), 1)
    values = d[different & upper.astype(bool)]
    mean, std = float(values.mean()), float(values.std())
    nearest = np.sort(values)[:5].tolist()
    pair = np.argwhere(different & upper.astype(bool) & (d == nearest[0]))[0]
    print(f"\ndistances between codes of different images: {values.size} pairs, "
          f"mean {mean:.1f}, sd {std:.1f}, nearest {nearest}")  # fmt: skip
    print(f"  the nearest pair: {owners[pair[0]]} and {owners[pair[1]]}")
    for threshold in (31, 40, 50, 60):
        print(f"  pairs within {threshold}: {int((values <= threshold).sum())}")
    # A normal fit of the pair distances (wider than the binomial's sd 8, so it is the
    # cautious tail); a query sends up to MAX_VARIANTS variants, each against 10^7 codes.
    z = (MAX_DISTANCE + 0.5 - mean) / std
    per_pair = 0.5 * math.erfc(-z / math.sqrt(2))
    per_query = min(1.0, per_pair * MAX_VARIANTS * 1e7)
    print(f"predicted false-match rate per query at 10^7 indexed codes ({MAX_VARIANTS} variants): "
          f"{per_query:.1e} (per pair {per_pair:.1e}, z = {z:.1f}) from a normal fit")  # fmt: skip
    # What the pairs themselves can vouch for: none within 31 of this many is a 95 %
    # upper bound of 3 / pairs per pair (the rule of three), far weaker than the fit.
    within = int((values <= MAX_DISTANCE).sum())
    bound = 3 / values.size if within == 0 else within / values.size
    per_query_bound = bound * MAX_VARIANTS * 1e7
    print(f"  measured: {within} of {values.size} pairs within {MAX_DISTANCE}; the 95 % bound "
          f"per pair {bound:.1e} ({per_query_bound:.1e} per query at 10^7 codes)")  # fmt: skip


def _memory(images: int, codes: int) -> None:
    """Index bytes per image, PDQ alone and with its regions, on 20,000 images' codes
    (random codes: the structure's size does not depend on their values)."""
    from clearinghouse.index import HammingIndex

    rng = np.random.default_rng(1)
    per_image = codes / images
    sample = 20_000
    sizes = {}
    for label, n in (("PDQ only", sample), ("with regions", round(sample * per_image))):
        index = HammingIndex(256, tuned_distance=MAX_DISTANCE)
        index.add(np.arange(n), rng.integers(0, 256, (n, 32), dtype=np.uint8))
        index.compact()
        sizes[label] = index.memory_bytes / sample
    print(f"\nindex memory per image: {sizes['PDQ only']:.0f} B with its PDQ only, "
          f"{sizes['with regions']:.0f} B with its regions "
          f"({per_image:.1f} codes an image)")  # fmt: skip


def _cost(runs: int = 15) -> None:
    """Member-side cost for a 1024×768 photograph, on one core: median of ``runs``, as
    wall time and as this process's CPU time (which waiting behind other work on a
    shared machine does not add to)."""
    rgb = np.asarray(load_photo("chelsea").resize((1024, 768), Image.BICUBIC))

    def regions() -> None:
        luma = luma_of(rgb)
        pdq_hash(rgb, luma)
        region_hashes(rgb, luma)

    steps = {
        "PDQ": lambda: pdq_hash(rgb),
        "regions": regions,
        "variants": lambda: query_variants(rgb),
    }
    wall: dict[str, list[float]] = {name: [] for name in steps}
    cpu: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(runs):
        for name, step in steps.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            step()
            cpu[name].append(time.process_time() - start_cpu)
            wall[name].append(time.perf_counter() - start)
    ms = {k: (statistics.median(wall[k]) * 1000, statistics.median(cpu[k]) * 1000) for k in steps}
    parts = ", ".join(f"{k} {w:.0f} ms ({c:.0f} ms CPU)" for k, (w, c) in ms.items())
    print(f"\nmember-side hashing of a 1024×768 photo, one core (median of {runs}): {parts}")


if __name__ == "__main__":
    main()
