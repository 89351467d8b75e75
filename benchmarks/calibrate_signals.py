"""Calibrate perceptual match distances on real photographs.

For each perceptual signal type (pdq, phash, dhash, ahash, whash) this measures the bit
distance between a photograph and common edits of it (re-compression, resizing,
cropping, overlays, brightness/contrast, greyscale, mirroring with and without PDQ's
dihedral lookup), and between different photographs. The photographs are the ones
scikit-image ships inside its wheel; nothing is downloaded.

    .venv/bin/python benchmarks/calibrate_signals.py [--quick] [--out FILE.md]

Prints Markdown tables (mean / max per edit, and the spread of different-photo pairs),
which docs/signals.md reproduces; the 64-bit defaults in signals/registry.py come from them.
"""

from __future__ import annotations

import argparse
import io
import itertools
import statistics
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFont, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _photos import load_photo

from clearinghouse.signals import default_registry, dihedral_variants, hamming_distance
from clearinghouse.signals.hashing import decode_image, image_hashes

TYPES = ("pdq", "phash", "dhash", "ahash", "whash")
# Real photographs bundled in scikit-image's wheel (motorcycle_right is left out: it is the
# other half of a stereo pair, a near-duplicate of motorcycle_left).
PHOTOS = (
    "astronaut", "brick", "camera", "cell", "chelsea", "clock", "coffee", "coins", "grass",
    "gravel", "hubble_deep_field", "immunohistochemistry", "moon", "page", "retina", "rocket",
    "text", "motorcycle",
)  # fmt: skip
QUICK_PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "camera")


def _jpeg(quality: int) -> Callable[[Image.Image], Image.Image]:
    def edit(image: Image.Image) -> Image.Image:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality)
        buffer.seek(0)
        return decode_image(buffer)

    return edit


def _scale(factor: float) -> Callable[[Image.Image], Image.Image]:
    def edit(image: Image.Image) -> Image.Image:
        w, h = image.size
        return image.resize((max(8, round(w * factor)), max(8, round(h * factor))), Image.LANCZOS)

    return edit


def _down_up(image: Image.Image) -> Image.Image:
    return _scale(0.25)(image).resize(image.size, Image.BICUBIC)


def _crop(fraction: float, centred: bool) -> Callable[[Image.Image], Image.Image]:
    def edit(image: Image.Image) -> Image.Image:
        w, h = image.size
        dx, dy = round(w * fraction), round(h * fraction)
        if centred:
            return image.crop((dx // 2, dy // 2, w - (dx - dx // 2), h - (dy - dy // 2)))
        return image.crop((dx, dy, w, h))

    return edit


def _text(image: Image.Image) -> Image.Image:
    out = image.copy()
    draw = ImageDraw.Draw(out)
    size = max(12, image.size[1] // 12)
    font = ImageFont.load_default(size)
    draw.text((image.size[0] // 20, image.size[1] * 3 // 4), "SHARE THIS NOW", fill="white",
              font=font, stroke_width=max(1, size // 12), stroke_fill="black")  # fmt: skip
    return out


def _logo(image: Image.Image) -> Image.Image:
    from skimage import data

    logo = Image.fromarray(data.logo()).convert("RGBA")
    side = max(16, image.size[0] // 5)
    logo = logo.resize((side, round(side * logo.size[1] / logo.size[0])))
    out = image.convert("RGBA")
    out.alpha_composite(logo, (image.size[0] - logo.size[0] - 4, 4))
    return out.convert("RGB")


def _enhance(kind: type, factor: float) -> Callable[[Image.Image], Image.Image]:
    return lambda image: kind(image).enhance(factor)


EDITS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "JPEG quality 90": _jpeg(90),
    "JPEG quality 70": _jpeg(70),
    "JPEG quality 50": _jpeg(50),
    "JPEG quality 30": _jpeg(30),
    "resize to 50 %": _scale(0.5),
    "resize to 25 %": _scale(0.25),
    "resize to 200 %": _scale(2.0),
    "down to 25 % and back up": _down_up,
    "crop 5 % (centred)": _crop(0.05, True),
    "crop 10 % (one corner)": _crop(0.10, False),
    "text overlay": _text,
    "logo overlay": _logo,
    "brightness +30 %": _enhance(ImageEnhance.Brightness, 1.3),
    "brightness −30 %": _enhance(ImageEnhance.Brightness, 0.7),
    "contrast +30 %": _enhance(ImageEnhance.Contrast, 1.3),
    "contrast −30 %": _enhance(ImageEnhance.Contrast, 0.7),
    "greyscale": lambda image: ImageOps.grayscale(image).convert("RGB"),
    "mirror": ImageOps.mirror,
    "rotate 90°": lambda image: image.transpose(Image.Transpose.ROTATE_90),
}
QUICK_EDITS = ("JPEG quality 70", "resize to 50 %", "crop 5 % (centred)", "greyscale", "mirror")
DIHEDRAL_EDITS = ("mirror", "rotate 90°")  # also reported with PDQ's dihedral lookup


def hashes(image: Image.Image) -> dict[str, str]:
    """Every perceptual hash of an RGB image, through the same code as ``clearinghouse hash``."""
    return {name: value for name, value, _ in image_hashes(image, frozenset(TYPES))}


def measure(photo_names: tuple[str, ...], edit_names: tuple[str, ...]) -> dict:
    """Distances per edit and type, and between different photographs."""
    originals = {name: hashes(load_photo(name)) for name in photo_names}
    per_edit: dict[str, dict[str, list[int]]] = {}
    for edit in edit_names:
        per_edit[edit] = {t: [] for t in TYPES}
        if edit in DIHEDRAL_EDITS:
            per_edit[edit + " (dihedral lookup)"] = {"pdq": []}
        for name in photo_names:
            edited = hashes(EDITS[edit](load_photo(name)))
            for t in TYPES:
                per_edit[edit][t].append(hamming_distance(originals[name][t], edited[t]))
            if edit in DIHEDRAL_EDITS:
                # The lookup only has the query's hash: try its 8 hash-domain variants.
                variants = dihedral_variants(edited["pdq"]).values()
                best = min(hamming_distance(v, originals[name]["pdq"]) for v in variants)
                per_edit[edit + " (dihedral lookup)"]["pdq"].append(best)
    different = {t: [] for t in TYPES}
    for a, b in itertools.combinations(photo_names, 2):
        for t in TYPES:
            different[t].append(hamming_distance(originals[a][t], originals[b][t]))
    return {"photos": photo_names, "per_edit": per_edit, "different": different}


def markdown(result: dict) -> str:
    """The tables docs/signals.md shows."""
    registry = default_registry()
    n = len(result["photos"])
    lines = [
        f"Distances in bits over {n} photographs (mean / max). PDQ has 256 bits, the others 64.",
        "",
        "| edit | " + " | ".join(TYPES) + " |",
        "|---|" + "---|" * len(TYPES),
    ]
    for edit, by_type in result["per_edit"].items():
        cells = [
            f"{statistics.mean(by_type[t]):.1f} / {max(by_type[t])}" if t in by_type else "—"
            for t in TYPES
        ]
        lines.append(f"| {edit} | " + " | ".join(cells) + " |")
    pairs = len(result["different"]["pdq"])
    lines += [
        "",
        f"Different photographs ({pairs} pairs): minimum / 1st percentile / mean.",
        "",
        "| | " + " | ".join(TYPES) + " |",
        "|---|" + "---|" * len(TYPES),
    ]
    cells = []
    for t in TYPES:
        d = result["different"][t]
        cells.append(f"{min(d)} / {np.percentile(d, 1):.0f} / {statistics.mean(d):.1f}")
    lines.append("| different photographs | " + " | ".join(cells) + " |")
    defaults = [str(registry.resolve_max_distance(t)) for t in TYPES]
    lines.append("| default max_distance | " + " | ".join(defaults) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 photographs, 5 edits")
    parser.add_argument("--out", type=Path, help="also write the Markdown tables here")
    args = parser.parse_args()
    photos = QUICK_PHOTOS if args.quick else PHOTOS
    edits = QUICK_EDITS if args.quick else tuple(EDITS)
    text = markdown(measure(photos, edits))
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
