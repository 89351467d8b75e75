"""Scale: synthetic PDQ signals written as one snapshot generation, served by 1 and 4
worker processes that map it (DESIGN §16, issue #21).

    .venv/bin/python benchmarks/scale.py [--quick] [--sizes 1000000,10000000] [--huge]

Every run measures 10^6 and 10^7 signals (``--quick``: 10^5 only; ``--huge`` adds 10^8,
which needs ~14 GB of disk and page cache and a writer holding ~25 GB at its peak, so
not on this 24 GB machine). The generation is written by ``index.generations.
write_generation`` from a Hamming index and signal states built in this process — the
same writer and parts (``services/adapters/index_generations.generation_parts``) a
serving process uses when it folds what it read from the database; the database itself
is skipped (ingest at 10^7 is measured by ``benchmarks/ingest.py``).

Printed per size: total PSS (``/proc/<pid>/smaps_rollup``) of 1 and 4 workers and their
ratio; bytes per signal beyond the 32-byte code; worker start (map + CRC check + ready);
single-query p50/p99 and batch queries/s of a mapped worker against an in-process
brute-force scan (faiss) of the same codes in the same run; and how long the workers take
to serve from a newly published generation. Freshness of a single write between
processes goes through the database and the log follower, not a generation; it is
tested end to end (tests/e2e/test_two_processes.py, ≤ 1 s).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from clearinghouse.index import HammingIndex
from clearinghouse.index.flat import range_search
from clearinghouse.index.generations import (
    Part,
    current_generation,
    open_generation,
    write_generation,
)
from clearinghouse.services.adapters.signal_states import SignalStates
from clearinghouse.store.state_pages import StatePage

WIDTHS = {"pdq": 32}
PAGE = 1_000_000
DISTANCE = 31


def _codes(n: int, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, 32), dtype=np.uint8)


def _states(codes: np.ndarray) -> SignalStates:
    states = SignalStates(WIDTHS)
    for start in range(0, codes.shape[0], PAGE):
        part = codes[start : start + PAGE]
        ids = list(range(start + 1, start + 1 + part.shape[0]))
        times = np.full(len(ids), 1_764_000_000_000, np.int64)
        states.update(
            StatePage(
                ids,
                ["pdq"] * len(ids),
                [bytes(row).hex() for row in part],
                [90] * len(ids),
                ["active"] * len(ids),
                list(range(len(ids))),
                times,
                times,
                [None] * len(ids),
                [(i, ("behaviour:glorification-of-terrorist-acts",)) for i in ids],
            )
        )
    return states


def _publish(root: Path, codes: np.ndarray, states: SignalStates, position: int) -> float:
    start = time.perf_counter()

    def build():
        index = HammingIndex(256, tuned_distance=DISTANCE, auto_compact=False)
        index.add(np.arange(1, codes.shape[0] + 1, dtype=np.int64), codes)
        arrays, meta = index.folded_snapshot_arrays()
        s_arrays, s_meta = states.snapshot_arrays()
        parts = {
            "index-pdq": Part("hamming", arrays, meta),
            "states": Part("states", s_arrays, s_meta),
        }
        return parts, position

    write_generation(root, build)
    return time.perf_counter() - start


def _queries(codes: np.ndarray, count: int, seed: int) -> np.ndarray:
    """Half near-duplicates of indexed codes (a few bits flipped), half random."""
    rng = np.random.default_rng(seed)
    near = codes[rng.integers(0, codes.shape[0], count // 2)].copy()
    flips = rng.integers(0, 256, (near.shape[0], 8))
    for k in range(flips.shape[1]):
        near[np.arange(near.shape[0]), flips[:, k] // 8] ^= (1 << (flips[:, k] % 8)).astype(
            np.uint8
        )
    return np.concatenate((near, _codes(count - near.shape[0], seed + 1)))


def _latencies(search, queries: np.ndarray) -> tuple[float, float, float]:
    """Single-query p50 and p99 in ms, and batch queries/s."""
    times = []
    for q in queries[:300]:
        t = time.perf_counter()
        search(q[None, :])
        times.append(time.perf_counter() - t)
    t = time.perf_counter()
    search(queries)
    rate = queries.shape[0] / (time.perf_counter() - t)
    ms = np.array(times) * 1000
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 99)), rate


# -- the worker process ------------------------------------------------------------------


def worker(root: Path, measure: bool) -> None:
    """Map the published generation, say so, then answer commands on stdin."""
    start = time.perf_counter()
    generation = open_generation(root, copy_on_write=frozenset({"states"}))
    part = generation.parts["index-pdq"]
    index = HammingIndex.from_snapshot_arrays(part.arrays, part.meta, auto_compact=False)
    s = generation.parts["states"]
    states = SignalStates.from_snapshot_arrays(
        WIDTHS, s.arrays, s.meta, lambda _, ids: index.values_of(ids)
    )
    print(json.dumps({"ready": time.perf_counter() - start, "n": len(index)}), flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "measure" and measure:
            queries = _queries(np.asarray(part.arrays["main_codes"]), 1000, 7)

            def search(q, index=index):
                found = index.search_many(q, DISTANCE, limit=100)
                ids = np.concatenate([m.ids for m in found])
                states.describe_many(ids.tolist(), 2)

            p50, p99, rate = _latencies(search, queries)
            print(json.dumps({"p50": p50, "p99": p99, "rate": rate}), flush=True)
        elif command.startswith("await "):
            # Serve from the newer generation once it is published: map it whole.
            name, t = command.split()[1], time.perf_counter()
            while current_generation(root) != name:
                time.sleep(0.01)
            generation = open_generation(root, copy_on_write=frozenset({"states"}))
            part = generation.parts["index-pdq"]
            index = HammingIndex.from_snapshot_arrays(part.arrays, part.meta, auto_compact=False)
            print(json.dumps({"swapped": time.perf_counter() - t}), flush=True)
        elif command == "quit":
            return


def _pss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    raise RuntimeError("no Pss line")


def _pss_of_files(pid: int, root: Path) -> int:
    """PSS in KiB of this process's mappings of files under ``root``."""
    total, inside = 0, False
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        first = line.split(maxsplit=5)
        if first and "-" in first[0] and len(first) >= 5:
            inside = len(first) == 6 and first[5].startswith(str(root))
        elif inside and line.startswith("Pss:"):
            total += int(line.split()[1])
    return total


def _start_workers(root: Path, count: int) -> tuple[list[subprocess.Popen], list[float]]:
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--worker", str(root), *(["--measure"] if k == 0 else [])],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for k in range(count)
    ]
    starts = [json.loads(p.stdout.readline())["ready"] for p in procs]
    return procs, starts


def _ask(proc: subprocess.Popen, command: str) -> dict:
    proc.stdin.write(command + "\n")
    proc.stdin.flush()
    return json.loads(proc.stdout.readline())


def _stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        p.stdin.write("quit\n")
        p.stdin.flush()
        p.wait(timeout=60)


def run(n: int, base: Path) -> dict:
    root = Path(tempfile.mkdtemp(dir=base, prefix=f"scale-{n}-"))
    codes = _codes(n)
    states = _states(codes)
    write_s = _publish(root, codes, states, 1)
    file_bytes = sum(p.stat().st_size for p in root.rglob("*.npy"))
    queries = _queries(codes, 1000, 7)

    def brute(q):
        range_search(np.ascontiguousarray(q), codes, DISTANCE)

    b50, b99, brate = _latencies(brute, queries)
    del states
    out = {"n": n, "write_s": write_s, "file_bytes": file_bytes}
    out.update(brute_p50=b50, brute_p99=b99, brute_rate=brate)
    for count in (1, 4):
        procs, starts = _start_workers(root, count)
        time.sleep(0.5)
        out[f"pss{count}"] = sum(_pss_kib(p.pid) for p in procs) * 1024
        out[f"files{count}"] = sum(_pss_of_files(p.pid, root) for p in procs) * 1024
        out[f"start{count}"] = max(starts)
        if count == 1:
            out.update(_ask(procs[0], "measure"))
        else:
            grown = np.concatenate((codes, _codes(1, 99)))
            t = time.perf_counter()
            name_before = current_generation(root)
            _publish(root, grown, _states(grown[-1000:]), 2)  # a small states part will do
            name = current_generation(root)
            assert name != name_before
            swaps = [_ask(p, f"await {name}")["swapped"] for p in procs]
            out["swap"] = max(swaps)
            out["publish_s"] = time.perf_counter() - t - out["swap"]
        _stop(procs)
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--huge", action="store_true")
    parser.add_argument("--sizes")
    parser.add_argument("--worker")
    parser.add_argument("--measure", action="store_true")
    args = parser.parse_args()
    if args.worker:
        worker(Path(args.worker), args.measure)
        return 0
    sizes = [10**5] if args.quick else [10**6, 10**7]
    if args.sizes:
        sizes = [int(s) for s in args.sizes.split(",")]
    if args.huge:
        sizes.append(10**8)
    base = Path(tempfile.mkdtemp(prefix="clearinghouse-scale-"))
    print(
        "| signals | PSS 1 worker | PSS 4 workers | ratio | mapped files' PSS 1 / 4 "
        "| B/signal beyond code | start (1 / 4) "
        "| p50 / p99 mapped | p50 / p99 brute | batch q/s mapped | batch q/s brute | swap |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    try:
        for n in sizes:
            r = run(n, base)
            print(
                f"| {n:,} | {r['pss1'] / 2**20:,.0f} MiB | {r['pss4'] / 2**20:,.0f} MiB "
                f"| {r['pss4'] / r['pss1']:.2f} "
                f"| {r['files1'] / 2**20:,.0f} / {r['files4'] / 2**20:,.0f} MiB "
                f"| {r['pss1'] / n - 32:.0f} "
                f"(files {r['file_bytes'] / n - 32:.0f}) "
                f"| {r['start1']:.2f} / {r['start4']:.2f} s "
                f"| {r['p50']:.2f} / {r['p99']:.2f} ms "
                f"| {r['brute_p50']:.2f} / {r['brute_p99']:.2f} ms "
                f"| {r['rate']:,.0f} | {r['brute_rate']:,.0f} | {r['swap']:.2f} s |",
                flush=True,
            )
    finally:
        subprocess.run(["rm", "-rf", str(base)], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
