"""Transparency site: page load times at 10^6 log entries, as ratios to ``/healthz``
(the cost of any request to the same server) measured in the same run.

A throwaway SQLite log is filled with signed submissions through the store's bulk path
(as ``benchmarks/audit.py`` does), a real ``clearinghouse serve`` serves it, and each
page is fetched REPEAT times in a row; the median and the 95th percentile of the server
round trip are reported. Pages read a window of the log and O(log n) tree nodes per
entry shown, so their time should not depend on where in the log the window is.

    .venv/bin/python benchmarks/site.py [--quick] [--entries N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from audit import MEMBERS, POOL, _free_port, _pool, populate

from clearinghouse.bootstrap import bootstrap
from clearinghouse.config import load_settings
from clearinghouse.crypto import SigningKey
from clearinghouse.services import members
from clearinghouse.store import migrate

REPEAT = 30


def _times(session: requests.Session, url: str) -> list[float]:
    out = []
    for _ in range(REPEAT):
        begun = time.perf_counter()
        answer = session.get(url, timeout=60)
        out.append(time.perf_counter() - begun)
        if answer.status_code != 200:
            raise SystemExit(f"{url}: {answer.status_code}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 entries")
    parser.add_argument("--entries", type=int, default=1_000_000)
    args = parser.parse_args()
    total = 20_000 if args.quick else args.entries

    with tempfile.TemporaryDirectory(prefix="site-bench-") as tmp:
        tmp = Path(tmp)
        url = f"sqlite:///{tmp / 'log.db'}"
        migrate.upgrade(url)
        root = bootstrap(load_settings(environ={}, data_dir=tmp / "data", database_url=url))
        keys = {f"member-{i}": SigningKey.generate() for i in range(MEMBERS)}
        for name, key in keys.items():
            members.add_member(root.db, name, name.title(), "submitter,matcher", key.verify_key)
        print(f"filling a log of {total:,} entries ...", flush=True)
        rate = populate(root, _pool(keys, min(POOL, total)), total)
        print(f"  appended at {rate:,.0f} entries/s")
        root.close()

        port = _free_port()
        env = dict(os.environ, CLEARINGHOUSE_DATA_DIR=str(tmp / "data"),
                   CLEARINGHOUSE_DATABASE_URL=url)  # fmt: skip
        server = subprocess.Popen(
            [sys.executable, "-m", "clearinghouse.cli", "serve", "--port", str(port),
             "--workers", "2"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                try:
                    if requests.get(base + "/readyz", timeout=1).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                time.sleep(0.2)
            size = int(requests.get(base + "/v1/log/checkpoint", timeout=10).text.split("\n")[1])
            pages = {
                "/healthz (baseline)": "/healthz",
                "/v1/log/checkpoint": "/v1/log/checkpoint",
                "/ (checkpoint + 5 newest)": "/",
                "/log (25 newest)": "/log",
                "/log?before=size/2": f"/log?before={size // 2}",
                "/log?before=25 (oldest)": "/log?before=25",
                "/log/<newest>": f"/log/{size - 1}",
                "/log/0": "/log/0",
                "/members": "/members",
                "/report": "/report",
                "consistency proof": f"/site/proof/consistency?first=1000&second={size}",
            }
            with requests.Session() as session:
                for path in pages.values():  # warm up: connections, caches, the report
                    session.get(base + path, timeout=60)
                results = {name: _times(session, base + path) for name, path in pages.items()}
        finally:
            server.terminate()
            server.wait(timeout=30)

    base_median = statistics.median(results["/healthz (baseline)"])
    print(f"\nsite pages at {size:,} log entries ({REPEAT} requests each, one client, 2 workers)")
    print(f"{'page':30} {'median ms':>10} {'p95 ms':>8} {'× /healthz':>11}")
    for name, times in results.items():
        times = sorted(times)
        median, p95 = statistics.median(times), times[int(0.95 * (len(times) - 1))]
        print(f"{name:30} {median * 1000:10.2f} {p95 * 1000:8.2f} {median / base_median:11.1f}")


if __name__ == "__main__":
    main()
