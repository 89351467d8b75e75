"""TMK+PDQF: hashing speed beside vPDQ, lookup latency and first-stage recall, bytes a video.

* Hashing: decoded frames per second of our TMK+PDQF hasher and of our vPDQ hasher on the
  same videos (tests/vectors/tmk/, 30, 25 and 24 fps), in the same run.
* Lookups: ``TmkIndex.search_many`` of one query at a time over 10^4 and 10^5 synthetic
  videos (random unit level-1 vectors, with a planted family of near copies per query),
  p50 and p95, and the first stage's recall against a NumPy brute-force scan of every
  level-1 vector. The synthetic videos share one level-2 array (a real one: 256 KiB a
  video, 26 GB at 10^5, more than this machine has): level 2 only ever reads the
  candidates', so the lookup's work is the same; memory per video is given separately.
* Bytes a video: the .tmk file, its wire text, the statement it travels in, and what an
  index holds for it (measured on a real index of the vector videos).

    .venv/bin/python benchmarks/tmk.py [--quick]
"""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clearinghouse.index import TmkIndex
from clearinghouse.signals.hashing.tmk import hash_video_tmk
from clearinghouse.signals.hashing.video import hash_video
from clearinghouse.signals.tmk import TmkFeatures, read_tmk

VECTORS = Path(__file__).resolve().parents[1] / "tests" / "vectors" / "tmk"


def decoded_frames(path: Path) -> int:
    import av

    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def hashing(rounds: int) -> None:
    videos = sorted(VECTORS.glob("*.mp4"))
    frames = sum(decoded_frames(v) for v in videos)
    best = {}
    for name, fn in (("vpdq", hash_video), ("tmk", hash_video_tmk)):
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            for video in videos:
                fn(video)
            times.append(time.perf_counter() - start)
        best[name] = frames / min(times)
    print(f"hashing {len(videos)} videos, {frames} decoded frames (best of {rounds}):")
    print(f"  vPDQ (1 frame/s PDQ at full size): {best['vpdq']:8.0f} decoded frames/s")
    print(
        f"  TMK+PDQF (every frame to 64x64):  {best['tmk']:8.0f} decoded frames/s"
        f"  = {best['tmk'] / best['vpdq']:.2f}x vPDQ"
    )


def synthetic_index(n: int, queries: np.ndarray, family: int, rng) -> tuple[TmkIndex, np.ndarray]:
    """An index of n videos: ``family`` near copies of each query, the rest random."""
    template = read_tmk((VECTORS / "pan.tmk").read_bytes())
    level2 = np.stack((template.cos, template.sin)).astype(np.float32)
    vectors = rng.normal(size=(n, 256)).astype(np.float32)
    for q, query in enumerate(queries):
        for k in range(family):
            vectors[q * family + k] = query + rng.normal(scale=0.02 * (k + 1), size=256)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = TmkIndex()
    ids = np.arange(n, dtype=np.int64)
    # Private seam, for the benchmark only: every video shares one level-2 array.
    index._level2 = dict.fromkeys(ids.tolist(), level2)
    index._publish(ids, vectors)
    return index, vectors


def as_query(vector: np.ndarray, template: TmkFeatures) -> TmkFeatures:
    return TmkFeatures(
        15, 100, template.periods, template.coefficients, vector.astype(np.float32),
        template.cos, template.sin,
    )  # fmt: skip


def lookups(sizes: list[int], nq: int) -> None:
    rng = np.random.default_rng(1)
    template = read_tmk((VECTORS / "pan.tmk").read_bytes())
    raw = rng.normal(size=(nq, 256)).astype(np.float32)
    raw /= np.linalg.norm(raw, axis=1, keepdims=True)
    family = 3
    print(f"lookups: one query at a time, {nq} queries, {family} planted near copies each")
    for n in sizes:
        index, vectors = synthetic_index(n, raw, family, rng)
        queries = [as_query(v, template) for v in raw]
        index.search_many(queries[:1])  # warm the kernel tables
        times, scans, found_pairs, true_pairs = [], [], 0, 0
        for q, query in enumerate(queries):
            start = time.perf_counter()
            np.nonzero(vectors @ raw[q] >= 0.7)  # baseline: a bare NumPy scan of level 1
            scans.append(time.perf_counter() - start)
            start = time.perf_counter()
            [got] = index.search_many([query], level2_threshold=0.0)
            times.append(time.perf_counter() - start)
            truth = set(np.nonzero(vectors @ raw[q] >= 0.7)[0].tolist())
            first_stage = set(got.ids.tolist())  # level 2 at 0 keeps every candidate
            true_pairs += len(truth)
            found_pairs += len(truth & first_stage)
        times.sort()
        p50 = statistics.median(times) * 1e3
        p95 = times[int(0.95 * (len(times) - 1))] * 1e3
        recall = found_pairs / true_pairs if true_pairs else 1.0
        scan = statistics.median(scans) * 1e3
        print(
            f"  {n:>7} videos: p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  "
            f"(bare NumPy level-1 scan p50 {scan:6.2f} ms)  first-stage recall {recall:.4f} "
            f"({found_pairs}/{true_pairs} level-1 pairs >= 0.7)"
        )
        del index, vectors


def bytes_per_video() -> None:
    files = sorted(VECTORS.glob("*.tmk"))
    raw = files[0].read_bytes()
    text = base64.b64encode(raw).decode()
    item = {"signal_type": "tmk", "value": text, "content_type": "video/mp4", "labels": ["x"]}
    payload = json.dumps({"member": "m", "created": "t", "items": [item]}).encode()
    envelope = len(base64.b64encode(payload))
    index = TmkIndex()
    index.add(range(len(files)), [read_tmk(f.read_bytes()) for f in files])
    per_video = index.memory_bytes / len(index)
    print("bytes a video:")
    print(f"  .tmk file {len(raw):,}; wire value {len(text):,} characters;")
    print(f"  one-item statement payload {len(payload):,}, as DSSE base64 {envelope:,}")
    print(f"  index: {per_video:,.0f} bytes a video (level 1: 2 KiB, level 2: 256 KiB)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    hashing(rounds=1 if args.quick else 3)
    lookups([10_000] if args.quick else [10_000, 100_000], nq=20 if args.quick else 100)
    bytes_per_video()


if __name__ == "__main__":
    main()
