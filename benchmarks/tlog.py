"""The log in the database: appends in batches, and proofs through the API at 10^6 entries.

* append: ``store.log.append_entries`` in batches of 10,000 entries (leaf hashes, the
  complete-subtree hashes and the head, in one transaction per batch) on SQLite, against a
  plain Core insert of the same entry rows in the same run;
* proofs: signed ``GET /v1/log/proof/inclusion`` and ``/consistency`` against a real
  ``clearinghouse serve`` over that log, against ``GET /healthz`` through the same stack.

    .venv/bin/python benchmarks/tlog.py [--quick] [--entries N]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
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
from clearinghouse.store.log import append_entries
from clearinghouse.store.models import LogEntry

BATCH = 10_000


def _entries(n: int, start: int) -> list[tuple[str, bytes]]:
    return [
        ("feedback", b'{"member":"bench","seq":%d,"pad":"%s"}' % (start + i, b"x" * 120))
        for i in range(n)
    ]


def appends(ctx: Root, total: int) -> float:
    now = datetime.now(UTC)
    start = time.perf_counter()
    done = 0
    while done < total:
        n = min(BATCH, total - done)
        with ctx.db.write() as session:
            append_entries(session, _entries(n, done), now)
        done += n
    return total / (time.perf_counter() - start)


def baseline(ctx: Root, total: int) -> float:
    now = datetime.now(UTC)
    start = time.perf_counter()
    for first in range(0, total, BATCH):
        rows = [
            {"idx": first + i, "entry_type": kind, "data": data, "created_at": now}
            for i, (kind, data) in enumerate(_entries(min(BATCH, total - first), first))
        ]
        with ctx.db.write() as session:
            session.connection().execute(LogEntry.__table__.insert(), rows)
    return total / (time.perf_counter() - start)


def _timed(call, count: int) -> list[float]:
    out = []
    for _ in range(count):
        t = time.perf_counter()
        call()
        out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10^5 entries")
    parser.add_argument("--entries", type=int, default=None)
    args = parser.parse_args()
    total = args.entries or (100_000 if args.quick else 1_000_000)
    with tempfile.TemporaryDirectory() as tmp:
        ours_ctx = bootstrap(load_settings(environ={}, data_dir=Path(tmp) / "ours"))
        base_ctx = bootstrap(load_settings(environ={}, data_dir=Path(tmp) / "base"))
        schema.upgrade(ours_ctx.settings, ours_ctx.db)
        schema.upgrade(base_ctx.settings, base_ctx.db)
        key = SigningKey.generate()
        members.add_member(ours_ctx.db, "bench", "Bench", "auditor", key.verify_key)
        rate = appends(ours_ctx, total - 1)
        base_rate = baseline(base_ctx, total)
        ours_ctx.close()
        base_ctx.close()

        with running_server(Path(tmp) / "ours", workers=1) as base:
            client = Client(base, "bench", key)
            rng = random.Random(1)
            size = total

            def inclusion():
                client.inclusion_proof(rng.randrange(size), size)

            def consistency():
                first = rng.randrange(1, size)
                client.consistency_proof(first, size)

            http = requests.Session()
            _timed(inclusion, 20)
            inc = _timed(inclusion, 300)
            con = _timed(consistency, 300)
            health = _timed(lambda: http.get(base + "/healthz", timeout=5), 300)

    p50 = lambda xs: float(np.percentile(xs, 50))  # noqa: E731
    p99 = lambda xs: float(np.percentile(xs, 99))  # noqa: E731
    print(f"\nTransparency log on SQLite, {total:,} entries")
    print("| measure | ours | baseline | ratio | target |")
    print("|---|---|---|---|---|")
    print(
        f"| append, batches of {BATCH:,} | {rate:,.0f} entries/s | {base_rate:,.0f} entries/s "
        f"(Core insert of the entry rows only) | {rate / base_rate:.2f} | ≥ 20,000/s |"
    )
    for name, xs in (("inclusion proof", inc), ("consistency proof", con)):
        print(
            f"| {name} via API, p50 / p99 | {p50(xs):.2f} / {p99(xs):.2f} ms | "
            f"{p50(health):.2f} / {p99(health):.2f} ms (GET /healthz) | "
            f"{p50(xs) / p50(health):.1f}× | ≤ 5 ms |"
        )


if __name__ == "__main__":
    main()
