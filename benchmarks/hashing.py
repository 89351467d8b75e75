"""Throughput of ``clearinghouse hash`` on 1024×768 JPEGs, against a bare pdqhash loop.

Generates JPEGs from scikit-image's bundled photographs (resized to 1024×768, with small
per-file edits so no two files are the same), then measures images per second for:

* baseline: a bare loop in one process — Pillow decode, ``pdqhash.compute``;
* ours: PDQ + MD5 through the very code ``clearinghouse hash`` runs (its worker pool,
  one process per core), end to end including the pool's start-up;
* ours on one core, and ours with reduced-size JPEG decoding (``--fast-jpeg``).

It also measures how far reduced-size decoding moves each hash from the full-resolution
hash on the same files (mean and max bits). Figures are printed as ratios to the baseline
measured in the same run.

    .venv/bin/python benchmarks/hashing.py [--quick] [--images N]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clearinghouse.cli.hashing import FAST_JPEG_MIN_SIDE, _hash_all
from clearinghouse.signals import hamming_distance
from clearinghouse.signals.hashing import HashOptions, decode_image, image_hashes

PHOTOS = ("astronaut", "camera", "chelsea", "coffee", "rocket", "hubble_deep_field", "moon",
          "retina", "coins", "immunohistochemistry", "motorcycle", "cell")  # fmt: skip
PERCEPTUAL = ("pdq", "phash", "dhash", "ahash", "whash")


def make_jpegs(folder: Path, count: int) -> list[Path]:
    """``count`` distinct 1024×768 JPEGs (quality 90) made from the bundled photographs."""
    from skimage import data

    bases = []
    for name in PHOTOS:
        array = data.stereo_motorcycle()[0] if name == "motorcycle" else getattr(data, name)()
        if array.ndim == 2:
            array = np.stack([array] * 3, axis=-1)
        bases.append(Image.fromarray(array[:, :, :3]).resize((1024, 768), Image.LANCZOS))
    paths = []
    for i in range(count):
        image = bases[i % len(bases)]
        variant = i // len(bases)
        if variant:
            image = ImageEnhance.Brightness(image).enhance(1 + 0.01 * variant)
        path = folder / f"{i:05d}.jpg"
        image.save(path, "JPEG", quality=90)
        paths.append(path)
    return paths


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (workers)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def bare_loop(paths: list[Path]) -> tuple[float, float]:
    """Images per second and CPU ms per image: Pillow decode and ``pdqhash.compute``."""
    import pdqhash

    cpu, start = _cpu_seconds(), time.perf_counter()
    for path in paths:
        with Image.open(path) as image:
            pdqhash.compute(np.asarray(image.convert("RGB")))
    elapsed = time.perf_counter() - start
    return len(paths) / elapsed, (_cpu_seconds() - cpu) * 1000 / len(paths)


def ours(paths: list[Path], jobs: int, draft: int | None) -> tuple[float, float]:
    """Images per second and CPU ms per image through ``clearinghouse hash``'s code path."""
    options = HashOptions(types=frozenset({"pdq", "md5"}), draft_min_side=draft)
    cpu, start = _cpu_seconds(), time.perf_counter()
    results = list(_hash_all(paths, options, jobs))
    elapsed = time.perf_counter() - start
    failures = [error for _, _, error in results if error]
    if failures:
        raise SystemExit(f"hashing failed: {failures[0]}")
    # Worker CPU (including their start-up) is counted once the pool has shut down.
    return len(paths) / elapsed, (_cpu_seconds() - cpu) * 1000 / len(paths)


def draft_drift(paths: list[Path]) -> dict[str, list[int]]:
    """Bits each hash moves when JPEGs are decoded at reduced size instead of full size."""
    drift: dict[str, list[int]] = {t: [] for t in PERCEPTUAL}
    for path in paths:
        full = dict((t, v) for t, v, _ in image_hashes(decode_image(path), frozenset(PERCEPTUAL)))
        fast_image = decode_image(path, draft_min_side=FAST_JPEG_MIN_SIDE)
        fast = dict((t, v) for t, v, _ in image_hashes(fast_image, frozenset(PERCEPTUAL)))
        for t in PERCEPTUAL:
            drift[t].append(hamming_distance(full[t], fast[t]))
    return drift


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small fast run (60 images)")
    parser.add_argument("--images", type=int, default=None, help="number of JPEGs (default 600)")
    args = parser.parse_args()
    count = args.images or (60 if args.quick else 600)
    cores = os.cpu_count() or 1
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        paths = make_jpegs(Path(tmp), count)
        bare_loop(paths[:5])  # warm the page cache and imports alike
        baseline = bare_loop(paths)
        parallel = ours(paths, cores, None)
        single = ours(paths, 1, None)
        fast = ours(paths, cores, FAST_JPEG_MIN_SIDE)
        drift = draft_drift(paths[: len(PHOTOS)])
    load_after = os.getloadavg()[0]
    print(
        f"{count} JPEGs of 1024×768, {cores} cores, "
        f"load average {load_before:.1f} → {load_after:.1f}"
    )
    print("(CPU ms/image counts worker start-up; cores × 1000 / CPU ms is the rate on idle cores)")
    print()
    print("| run | images/s | × baseline | CPU ms/image | × baseline (CPU) |")
    print("|---|---|---|---|---|")
    rows = [
        ("baseline: Pillow decode + pdqhash.compute, 1 process", baseline),
        (f"ours: clearinghouse hash, PDQ + MD5, {cores} workers", parallel),
        ("ours: clearinghouse hash, PDQ + MD5, 1 worker", single),
        (f"ours: --fast-jpeg, PDQ + MD5, {cores} workers", fast),
    ]
    for label, (rate, cpu_ms) in rows:
        print(
            f"| {label} | {rate:.0f} | {rate / baseline[0]:.2f} | {cpu_ms:.1f} "
            f"| {baseline[1] / cpu_ms:.2f} |"
        )
    print()
    print(f"Reduced-size JPEG decoding (shorter side ≥ {FAST_JPEG_MIN_SIDE}) vs full decoding,")
    print(f"bits moved on {len(PHOTOS)} photographs (mean / max):")
    print("| " + " | ".join(PERCEPTUAL) + " |")
    print("|" + "---|" * len(PERCEPTUAL))
    print(
        "| "
        + " | ".join(f"{statistics.mean(drift[t]):.1f} / {max(drift[t])}" for t in PERCEPTUAL)
        + " |"
    )


if __name__ == "__main__":
    main()
