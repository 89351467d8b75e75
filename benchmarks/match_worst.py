"""The worst lookup the API allows (issue #20.1), in time and memory, against a dense index.

The index is built so that every frame of the worst request finds exactly the most
candidates allowed: V indexed videos of F frames each, frame j of every video within 16
bits of query frame j, so each query frame is near V indexed frames
(``CLEARINGHOUSE_VPDQ_MAX_CANDIDATES_PER_FRAME``, default 64) and the request searches
``CLEARINGHOUSE_MATCH_MAX_CODES`` (8,000) codes: 8 vPDQ queries of 1,000 frames at the
ceiling distance 31. It runs through ``lookup_limits`` and the real ``VpdqIndex`` search
(the part of a lookup that grows with the request; the state join is per match and
bounded by the 100 matches per query).

Measured, each against the same-run baseline of the old limits (no candidate cap):
one worst request alone (seconds), then 20 of them at once in threads, as in one worker
process (seconds, and the process's peak resident memory above the loaded index).

    .venv/bin/python benchmarks/match_worst.py [--quick]
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clearinghouse.config import Settings
from clearinghouse.index import VpdqIndex
from clearinghouse.services.use_cases.lookup_limits import check_work, codes_of, searched
from clearinghouse.signals.types import Signal


def _rss_peak_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _rss_now_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS


def _near(codes: np.ndarray, rng: np.random.Generator, bits: int) -> np.ndarray:
    """Each code with ``bits`` distinct random bits flipped."""
    chosen = np.argsort(rng.random((codes.shape[0], 256)), axis=1)[:, :bits]
    mask = np.zeros((codes.shape[0], 256), dtype=np.uint8)
    np.put_along_axis(mask, chosen, 1, axis=1)
    return codes ^ np.packbits(mask, axis=1)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    settings = Settings()
    queries_n, frames_n = 8, settings.vpdq_max_query_frames
    videos_n = settings.vpdq_max_candidates_per_frame
    if args.quick:
        videos_n = 40
    rng = np.random.default_rng(20)
    query_frames = rng.integers(0, 256, size=(queries_n * frames_n, 32), dtype=np.uint8)
    per_video = query_frames.shape[0]
    print(
        f"index: {videos_n} videos × {per_video} frames = {videos_n * per_video:,} frames, "
        f"each query frame within 16 bits of {videos_n} of them"
    )
    built = time.perf_counter()
    bounded = VpdqIndex(frame_candidates=settings.vpdq_max_candidates_per_frame)
    old = VpdqIndex()  # the same index, without a candidate cap: the old limits
    for v in range(videos_n):
        video = _near(query_frames, rng, 16)
        bounded.add([v + 1], [video])
        old.add([v + 1], [video])
    print(f"built in {time.perf_counter() - built:.1f} s; RSS {_rss_now_mib():.0f} MiB")

    raw = [query_frames[q * frames_n : (q + 1) * frames_n] for q in range(queries_n)]
    request = [SimpleNamespace(signal=Signal("vpdq", (), None)) for _ in raw]
    for item, frames in zip(request, raw, strict=True):
        item.signal = SimpleNamespace(signal_type="vpdq", to_bytes=frames.tobytes)
    check_work(settings, request, dihedral=False)  # the worst request passes the budget
    print(f"worst request: {queries_n} vPDQ queries × {frames_n} frames = "
          f"{codes_of(request, False):,} codes (budget {settings.match_max_codes:,}), "
          f"max_distance 31")  # fmt: skip
    limit = settings.max_matches_per_query

    def worst(index):
        return searched(lambda: index.search_many(raw, 31, limit=limit))

    results = {}
    for name, index in (("old limits (baseline)", old), ("bounded", bounded)):
        worst(index)  # warm
        started = time.perf_counter()
        answer = worst(index)
        alone = time.perf_counter() - started
        assert all(m.total == videos_n for m in answer), [m.total for m in answer]
        base = _rss_now_mib()
        _reset_peak()
        threads = [threading.Thread(target=worst, args=(index,)) for _ in range(20)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        twenty = time.perf_counter() - started
        peak = _rss_peak_mib() - base
        results[name] = (alone, twenty, peak)
        print(f"{name:>22}: alone {alone:.2f} s; 20 at once {twenty:.2f} s, "
              f"peak memory +{peak:.0f} MiB")  # fmt: skip
    a, b = results["old limits (baseline)"], results["bounded"]
    print(f"bounded / baseline: alone {b[0] / a[0]:.2f}×, 20 at once {b[1] / a[1]:.2f}×, "
          f"memory {b[2] / max(a[2], 1):.2f}×")  # fmt: skip
    print(
        "refused: one frame more per query, one more candidate video, or max_distance 32 "
        "(422 / 422 / 400; tests/integration/hardening/test_lookup_work.py)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
