"""End-to-end ``/v1/match`` over HTTP at 10^6 PDQ signals, with signed requests.

A real ``clearinghouse serve`` (gunicorn, 2 workers × 4 threads) on a SQLite database of N
random PDQ signals (written in bulk, then loaded by the server as at any start). Measures:

* single-query latency (p50/p99) of signed ``GET /v1/match`` from one client;
* requests per second with 4 concurrent signed clients;
* the baseline in the same run: ``GET /healthz`` through the same server and client
  stack (HTTP + WSGI without signature, index or database), so the ratio shows what the
  lookup itself costs.

    .venv/bin/python benchmarks/match_http.py [--quick] [--signals N] [--seconds S]
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _server import running_server

from clearinghouse.bootstrap import Root, bootstrap
from clearinghouse.client import Client
from clearinghouse.config import load_settings
from clearinghouse.crypto import SigningKey
from clearinghouse.services.use_cases import members, schema
from clearinghouse.store.bulk import bulk_insert
from clearinghouse.store.histories import SIGNAL_COLUMNS
from clearinghouse.store.models import Signal

# Signals arrive in statements of up to 10,000 items (the default statement limit), each
# statement one change position: a server's snapshot generation then holds all but the
# newest statement's signals, as after any real ingest. (One position for every signal
# would leave all of them in each worker's delta, a brute-force scan per lookup.)
STATEMENT_ITEMS = 10_000


def populate(ctx: Root, n: int, rng: np.random.Generator) -> np.ndarray:
    """Write n active PDQ signals in bulk, as if by statements of ``STATEMENT_ITEMS``;
    return their codes."""
    codes = rng.integers(0, 256, size=(n, 32), dtype=np.uint8)
    now = datetime.now(UTC)
    with ctx.db.write() as session:
        for start in range(0, n, 100_000):
            rows = [
                (start + i + 1, "pdq", codes[start + i].tobytes().hex(),
                 secrets.token_bytes(32), 90, "active", now, now,
                 1 + (start + i) // STATEMENT_ITEMS)
                for i in range(min(100_000, n - start))
            ]  # fmt: skip
            bulk_insert(session, Signal.__table__, SIGNAL_COLUMNS, rows)
    return codes


def _latencies(call, count: int) -> list[float]:
    out = []
    for _ in range(count):
        t = time.perf_counter()
        call()
        out.append(time.perf_counter() - t)
    return out


def _throughput(make_call, clients: int, seconds: float) -> float:
    done = [0] * clients
    stop = time.monotonic() + seconds

    def worker(k: int) -> None:
        call = make_call()
        while time.monotonic() < stop:
            call()
            done[k] += 1

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10^5 signals, short runs")
    parser.add_argument("--signals", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=None)
    args = parser.parse_args()
    n = args.signals or (100_000 if args.quick else 1_000_000)
    seconds = args.seconds or (3.0 if args.quick else 10.0)
    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(environ={}, data_dir=Path(tmp))
        ctx = bootstrap(settings)
        schema.upgrade(ctx.settings, ctx.db)
        key = SigningKey.generate()
        members.add_member(ctx.db, "bench", "Bench", "matcher", key.verify_key)
        t = time.perf_counter()
        codes = populate(ctx, n, rng)
        print(f"populated {n:,} signals in {time.perf_counter() - t:.1f} s")
        ctx.close()
        with running_server(Path(tmp), workers=2, threads=4) as base:
            t = time.perf_counter()
            print("server ready (indexes loaded)")

            def lookup_call():
                client = Client(base, "bench", key)
                qs = [codes[rng.integers(n)].tobytes().hex() for _ in range(256)]
                i = iter(range(10**9))
                return lambda: client.match_one("pdq", qs[next(i) % 256])

            def health_call():
                session = requests.Session()
                return lambda: session.get(base + "/healthz", timeout=10)

            match = lookup_call()
            assert match(), "a stored code must match itself"
            _latencies(match, 50)
            lat = _latencies(match, 500 if not args.quick else 200)
            base_lat = _latencies(health_call(), 500 if not args.quick else 200)
            rps = _throughput(lookup_call, 4, seconds)
            base_rps = _throughput(health_call, 4, seconds)

    def pct(xs, q):
        return float(np.percentile(xs, q)) * 1000

    print(f"\n/v1/match over HTTP at {n:,} PDQ signals (signed GET, one query per request)")
    print("| measure | ours | baseline: GET /healthz | ratio | target |")
    print("|---|---|---|---|---|")
    print(
        f"| single-query p50 | {pct(lat, 50):.2f} ms | {pct(base_lat, 50):.2f} ms | "
        f"{pct(lat, 50) / pct(base_lat, 50):.1f}× | ≤ 3 ms |"
    )
    print(
        f"| single-query p99 | {pct(lat, 99):.2f} ms | {pct(base_lat, 99):.2f} ms | "
        f"{pct(lat, 99) / pct(base_lat, 99):.1f}× | — |"
    )
    print(
        f"| requests/s, 4 clients | {rps:,.0f} | {base_rps:,.0f} | {rps / base_rps:.2f} | ≥ 1,000 |"
    )
    print(f"(mean single-query {statistics.mean(lat) * 1000:.2f} ms)")


if __name__ == "__main__":
    main()
