"""The HTTP front under load and under slow clients, against ``GET /healthz`` of the same
server in the same run (issues 20.2 and 21.3; DESIGN §16).

For each front: ``wrk`` on ``/healthz`` and on signed PDQ lookups over N signals (as
``match_wrk.py``, random codes: the common miss), then 64 slow-header sockets — and
then 64 slow-body sockets — held open while sequential probes time ``/healthz`` and
signed lookups, each on a new connection (giving up after 3 s). The shipped front is
``clearinghouse serve`` (granian + the RSGI bridge of ``cli/front.py``); ``--candidates``
adds those measured against it when they are installed: granian's own WSGI interface,
gunicorn ``gthread`` (the earlier front) and gunicorn ``gevent``. Loopback only; every
load is bounded in time.

    .venv/bin/python benchmarks/front.py [--quick] [--signals N] [--seconds S] [--candidates]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _server import _free_port, running_server
from match_wrk import ensure_wrk, prepare, run_wrk, sign_file

from clearinghouse.config import load_settings
from clearinghouse.crypto import sign_request
from tests.e2e.slow_clients import SlowHeaders, probe_latencies

SLOW = 64
P99_TARGET = 0.5  # seconds, /healthz under 64 slow sockets (issue 21)
PROBE_TIMEOUT = 3.0  # a probe gives up (a stalled front never answers)
BIN = Path(sys.executable).parent


def candidate_commands(port: int) -> dict[str, list[str] | None]:
    """How each candidate front is started on ``port`` (None: not installed here)."""
    app = "clearinghouse.api:create_app()"
    have = {name: importlib.util.find_spec(name) is not None for name in ("gunicorn", "gevent")}
    gunicorn = [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}"]
    return {
        "granian WSGI (2 × 4 threads)": [
            str(BIN / "granian"), "--interface", "wsgi", "--factory", "--workers", "2",
            "--blocking-threads", "4", "--port", str(port), "clearinghouse.api:create_app",
        ],
        "gunicorn gthread (2 × 4), the earlier front": (
            [*gunicorn, "-k", "gthread", "--threads", "4", app] if have["gunicorn"] else None
        ),
        "gunicorn gevent (2 workers)": (
            [*gunicorn, "-k", "gevent", app] if have["gunicorn"] and have["gevent"] else None
        ),
    }  # fmt: skip


@contextlib.contextmanager
def candidate_server(command: list[str], data_dir: Path, port: int):
    env = dict(os.environ, CLEARINGHOUSE_DATA_DIR=str(data_dir))
    with open(data_dir / "candidate.err", "w") as err:
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=err)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            _, statuses = probe_latencies(base, 1, path="/readyz", timeout=5, pause=0)
            if statuses == [200]:
                break
            if proc.poll() is not None:
                raise SystemExit(f"{command[0]} exited: see {data_dir / 'candidate.err'}")
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(wrk: str, base: str, key, args, tmp: Path) -> dict:
    health = tmp / "healthz.txt"
    health.write_text("/healthz\n" * 400_000)
    run_wrk(wrk, base, health, 2)  # warm up every worker
    healthz = run_wrk(wrk, base, health, args.seconds)
    # Lookups run well below /healthz: enough for 0.8 of its rate (wrk stops when out).
    count = int(healthz["rps"] * args.seconds * 0.8) + 1000
    rng = np.random.default_rng(5)
    values = [row.tobytes().hex() for row in rng.integers(0, 256, (count, 32), dtype=np.uint8)]
    lookups_file = tmp / "lookups.txt"
    sign_file(lookups_file, base, key, values)
    lookups = run_wrk(wrk, base, lookups_file, args.seconds)

    def signed_headers() -> dict:
        path = f"/v1/match?signal_type=pdq&value={secrets.token_hex(32)}"
        signed_headers.path = path
        return sign_request("GET", base + path, {}, None, key, created=int(time.time()),
                            nonce=secrets.token_hex(8))  # fmt: skip

    slow = {}
    for kind in ("headers", "bodies"):
        with SlowHeaders(base, count=SLOW, body=kind == "bodies", interval=0.1,
                         seconds=args.slow_seconds + 30) as clients:  # fmt: skip
            time.sleep(1.0)
            health_lat, health_st = probe_latencies(base, 5, timeout=PROBE_TIMEOUT)
            if any(s == 200 for s in health_st):  # a stalled front: five give-ups say enough
                more = probe_latencies(base, args.probes - 5, timeout=PROBE_TIMEOUT)
                health_lat, health_st = health_lat + more[0], health_st + more[1]
            match_lat, match_st = [], []
            for _ in range(args.probes // 4 if any(s == 200 for s in health_st) else 2):
                headers = signed_headers()
                lat, st = probe_latencies(
                    base,
                    1,
                    path=signed_headers.path,
                    headers=lambda h=headers: h,
                    timeout=PROBE_TIMEOUT,
                )
                match_lat += lat
                match_st += st
        slow[kind] = {
            "health": health_lat, "health_failed": sum(s != 200 for s in health_st),
            "match": match_lat, "match_failed": sum(s != 200 for s in match_st),
            "held": clients.opened - clients.closed_by_server,
        }  # fmt: skip
    return {"healthz": healthz, "lookups": lookups, "slow": slow}


def report(rows: list[tuple[str, dict]], n: int, load: tuple[float, float]) -> bool:
    print(f"\nfronts, {n:,} PDQ signals; wrk -t2 -c8; load average {load[0]:.1f} → {load[1]:.1f}")
    print("| front | /healthz req/s | signed lookups req/s | ÷ /healthz | "
          "64 slow headers: /healthz p50 / p99 / max s | lookup p99 s | failed | "
          "64 slow bodies: /healthz p99 / max s | lookup p99 s | failed |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    ok = True
    for name, r in rows:
        h, m, sh, sb = r["healthz"], r["lookups"], r["slow"]["headers"], r["slow"]["bodies"]
        print(
            f"| {name} | {h['rps']:,.0f} | {m['rps']:,.0f} | {m['rps'] / h['rps']:.2f} | "
            f"{_p(sh['health'], 0.5):.3f} / {_p(sh['health'], 0.99):.3f} / "
            f"{max(sh['health']):.3f} | {_p(sh['match'], 0.99):.3f} | "
            f"{sh['health_failed'] + sh['match_failed']} | "
            f"{_p(sb['health'], 0.99):.3f} / {max(sb['health']):.3f} | "
            f"{_p(sb['match'], 0.99):.3f} | {sb['health_failed'] + sb['match_failed']} |"
        )
    shipped = rows[0][1]
    for kind in ("headers", "bodies"):
        p99 = _p(shipped["slow"][kind]["health"], 0.99)
        met = p99 <= P99_TARGET and shipped["slow"][kind]["health_failed"] == 0
        ok &= met
        print(f"shipped front, 64 slow {kind}: /healthz p99 {p99:.3f} s "
              f"(target ≤ {P99_TARGET} s — {'met' if met else 'NOT met'})")  # fmt: skip
    ratio = shipped["lookups"]["rps"] / shipped["healthz"]["rps"]
    print(f"shipped front: signed lookups ÷ /healthz = {ratio:.2f} (target ≥ 0.5 — "
          f"{'met' if ratio >= 0.5 else 'not met'})")  # fmt: skip
    sys.stdout.flush()
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2×10^4 signals, 3 s runs")
    parser.add_argument("--signals", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--candidates", action="store_true", help="measure the other fronts")
    args = parser.parse_args()
    n = args.signals or (20_000 if args.quick else 200_000)
    args.seconds = args.seconds or (3.0 if args.quick else 10.0)
    args.probes = 20 if args.quick else 60
    args.slow_seconds = args.probes * 0.06 * 1.25
    wrk = ensure_wrk()
    os.environ["CLEARINGHOUSE_RATE_LIMIT_LOOKUPS"] = str(10**9)  # read by the servers
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        key, _ = prepare(load_settings(environ={}, data_dir=data), n)
        load0 = os.getloadavg()[0]
        rows = []
        with running_server(data, workers=2, threads=4) as base:
            rows.append(("clearinghouse serve: granian + RSGI bridge (2 × 4 threads)",
                         measure(wrk, base, key, args, Path(tmp))))  # fmt: skip
        if args.candidates:
            port = _free_port()  # each candidate in turn, on one port
            for name, command in candidate_commands(port).items():
                if command is None:
                    print(f"{name}: not installed, skipped")
                    continue
                with candidate_server(command, data, port) as base:
                    rows.append((name, measure(wrk, base, key, args, Path(tmp))))
        ok = report(rows, n, (load0, os.getloadavg()[0]))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
