"""Signed lookups under load, measured by ``wrk`` against ``GET /healthz`` of the same
server in the same run, for the embedded default (SQLite) and PostgreSQL + Redis.

A real ``clearinghouse serve`` (granian, 2 workers × 4 threads) over N random PDQ
signals. Every signed request is pre-signed here, each with its own nonce, and replayed
exactly once by ``match_wrk.lua`` (a replay would be refused). Two kinds of lookup:
``planted`` queries are stored codes with 3 bits flipped (each matches one signal, whose
state is joined into the answer); ``unknown`` queries are random codes (no match, the
common case for an upload pipeline). The member's lookup quota is lifted for the run
(``CLEARINGHOUSE_RATE_LIMIT_LOOKUPS``): the quota is checked on every request as usual,
but at these rates the default would refuse most of them. Each row also gives the server's
CPU per request (its processes' CPU seconds over the requests answered), a figure the
machine's other work moves less than requests/s. Needs ``wrk`` (Debian
package; installed when missing, as root) and, for the second configuration, PostgreSQL
and Redis on localhost.

    .venv/bin/python benchmarks/match_wrk.py [--quick] [--signals N] [--seconds S]
        [--only sqlite|postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _server import server_process
from audit import CpuMeter
from match_http import populate

from clearinghouse.bootstrap import bootstrap
from clearinghouse.client import Client
from clearinghouse.config import load_settings
from clearinghouse.crypto import SigningKey, sign_request
from clearinghouse.services.use_cases import members, schema

HERE = Path(__file__).resolve().parent
CONNECTIONS, THREADS = 8, 2
PG_ADMIN = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("installing wrk (apt-get)", flush=True)
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    return shutil.which("wrk") or sys.exit("wrk is not installed")


def sign_file(path: Path, base: str, key: SigningKey, values: list[str]) -> None:
    """One line per request: path, Signature-Input, Signature; each with its own nonce."""
    now = int(time.time())
    with open(path, "w") as out:
        for value in values:
            target = f"/v1/match?signal_type=pdq&value={value}"
            headers = sign_request(
                "GET", base + target, {}, None, key, created=now, nonce=secrets.token_hex(12)
            )
            out.write(f"{target}\t{headers['Signature-Input']}\t{headers['Signature']}\n")


def run_wrk(wrk: str, base: str, requests_file: Path, seconds: float) -> dict:
    env = dict(os.environ, REQUESTS=str(requests_file), WRK_THREADS=str(THREADS))
    command = [wrk, f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds:g}s", "--latency",
               "-s", str(HERE / "match_wrk.lua"), base]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"wrk failed: {done.stderr.strip()[-500:]}")
    out = done.stdout
    result = json.loads(out.strip().splitlines()[-1])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def measure(wrk: str, data_dir: Path, database_url: str | None, key, codes, args) -> list:
    rng = np.random.default_rng(11)
    n = len(codes)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        health = Path(tmp) / "healthz.txt"
        health.write_text("/healthz\n" * 400_000)  # more than any run sends
        with server_process(data_dir, database_url, workers=2, threads=4) as (base, server):

            def metered(file: Path) -> dict:
                # The server's CPU per request: less moved by other work on the machine
                # than requests/s (its processes' CPU seconds, not the wall clock).
                with CpuMeter(server.pid) as cpu:
                    result = run_wrk(wrk, base, file, args.seconds)
                result["cpu_us"] = cpu.seconds() / max(1, result["requests"]) * 1e6
                return result

            run_wrk(wrk, base, health, 2)  # warm up both workers
            healthz = metered(health)
            # Enough unique requests for the /healthz rate, which lookups do not exceed.
            count = int(healthz["rps"] * args.seconds * 1.5) + 1000
            for kind in ("planted", "unknown"):
                if kind == "planted":
                    picked = codes[rng.integers(0, n, count)].copy()
                    for bit in range(3):
                        cols = rng.integers(0, 32, count)
                        picked[np.arange(count), cols] ^= np.uint8(1 << (bit * 3))
                else:
                    picked = rng.integers(0, 256, size=(count, 32), dtype=np.uint8)
                values = [row.tobytes().hex() for row in picked]
                found = Client(base, "bench", key).match_one("pdq", values[0])
                assert bool(found) == (kind == "planted"), f"{kind} query: {found}"
                file = Path(tmp) / f"{kind}.txt"
                sign_file(file, base, key, values)
                rows.append((kind, metered(file)))
    return [("healthz", healthz), *rows]


def prepare(settings, n: int):
    root = bootstrap(settings)
    schema.upgrade(root.settings, root.db)
    key = SigningKey.generate()
    members.add_member(root.db, "bench", "Bench", "matcher", key.verify_key)
    codes = populate(root, n, np.random.default_rng(7))
    root.close()
    return key, codes


def report(label: str, results: list, load: tuple[float, float]) -> None:
    health = results[0][1]
    print(f"\n{label}: wrk -t{THREADS} -c{CONNECTIONS}; load average {load[0]:.1f} → {load[1]:.1f}")
    print("| request | requests/s | p50 ms | p99 ms | non-2xx | ÷ /healthz req/s | target "
          "| server CPU µs/request |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for kind, r in results:
        name = "GET /healthz" if kind == "healthz" else f"signed GET /v1/match, {kind}"
        ratio = r["rps"] / health["rps"]
        target = (
            "baseline"
            if kind == "healthz"
            else ("≥ 0.5 — " + ("met" if ratio >= 0.5 and r["non2xx"] == 0 else "not met"))
        )
        print(f"| {name} | {r['rps']:,.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | "
              f"{r['non2xx'] + r['socket_errors']} | {ratio:.2f} | {target} | "
              f"{r['cpu_us']:,.0f} |")  # fmt: skip
    sys.stdout.flush()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2×10^4 signals, 3 s runs")
    parser.add_argument("--signals", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--only", choices=("sqlite", "postgres"), default=None)
    args = parser.parse_args()
    n = args.signals or (20_000 if args.quick else 200_000)
    args.seconds = args.seconds or (3.0 if args.quick else 10.0)
    wrk = ensure_wrk()
    os.environ["CLEARINGHOUSE_RATE_LIMIT_LOOKUPS"] = str(10**9)  # read by the servers
    failed = False
    if args.only in (None, "sqlite"):
        with tempfile.TemporaryDirectory() as tmp:
            key, codes = prepare(load_settings(environ={}, data_dir=Path(tmp)), n)
            load0 = os.getloadavg()[0]
            results = measure(wrk, Path(tmp), None, key, codes, args)
            report(
                f"embedded default (SQLite), {n:,} PDQ signals",
                results,
                (load0, os.getloadavg()[0]),
            )
            failed |= any(r["non2xx"] for _, r in results)
    if args.only in (None, "postgres"):
        import psycopg

        name = f"clearinghouse_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        url = (
            PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
            + f"/{name}"
        )
        os.environ["CLEARINGHOUSE_REDIS_URL"] = REDIS_URL
        try:
            with tempfile.TemporaryDirectory() as tmp:
                settings = load_settings(environ={}, data_dir=Path(tmp), database_url=url)
                key, codes = prepare(settings, n)
                load0 = os.getloadavg()[0]
                results = measure(wrk, Path(tmp), url, key, codes, args)
                report(
                    f"PostgreSQL + Redis, {n:,} PDQ signals", results, (load0, os.getloadavg()[0])
                )
                failed |= any(r["non2xx"] for _, r in results)
        finally:
            del os.environ["CLEARINGHOUSE_REDIS_URL"]
            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
