"""Push: from a submission's HTTP answer to its webhook's arrival at a local receiver,
through a real ``clearinghouse serve`` (2 workers, each delivering), on SQLite and on
PostgreSQL: p50 and p95 at a steady 50 changes a second (one item a statement) and for a
burst of 10,000 items in one statement (delivered as batches: the body is one ``batch``
event listing up to ``CLEARINGHOUSE_WEBHOOK_BATCH_MAX`` changes).

The CPU cost of delivery per change is set beside the submission's own, measured in the
same run: each load is first sent with no subscription (the server's CPU is then the
submission's alone), then again with one subscription; the difference is delivery's.
The statement rate limit is raised for the run (its default of 600 a minute is 10 a
second). Every change must arrive exactly once; one delivery of each load is checked
with the ``standardwebhooks`` library.

    .venv/bin/python benchmarks/push.py [--quick] [--no-postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _server import server_process
from ingest import _pg_database
from standardwebhooks.webhooks import Webhook

from clearinghouse.bootstrap import bootstrap
from clearinghouse.client import Client
from clearinghouse.config import load_settings
from clearinghouse.crypto import SigningKey
from clearinghouse.services.use_cases import members, schema

BURST = 10_000
RATE = 50  # statements (one change each) a second
TARGET_P95 = 1.0
LABEL = "behaviour:glorification-of-terrorist-acts"
SERVER_ENV = {
    "CLEARINGHOUSE_WEBHOOK_ALLOW_HTTP_HOSTS": "127.0.0.1",
    "CLEARINGHOUSE_WEBHOOK_ALLOW_NETWORKS": "127.0.0.0/8",
    "CLEARINGHOUSE_RATE_LIMIT_STATEMENTS": "1000000",
}


def _items(n: int) -> list[dict]:
    return [
        {"signal_type": "pdq", "value": secrets.token_hex(32), "quality": 90,
         "content_type": "image/jpeg", "labels": [LABEL]}
        for _ in range(n)
    ]  # fmt: skip


class Receiver:
    """A webhook endpoint on 127.0.0.1 noting when each change (by value) arrived."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.repeats = 0
        self.sample: tuple[bytes, dict] | None = None
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                at = time.time()
                event = json.loads(body)
                events = event["data"]["events"] if event["type"] == "batch" else [event]
                with receiver.lock:
                    for e in events:
                        value = e["data"]["value"]
                        receiver.repeats += value in receiver.arrived
                        receiver.arrived.setdefault(value, at)
                    receiver.sample = receiver.sample or (body, dict(self.headers))
                self.send_response(204)
                self.send_header("content-length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/hook"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def reset(self) -> None:
        with self.lock:
            self.arrived, self.repeats, self.sample = {}, 0, None

    def wait_for(self, values: list[str], seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self.lock:
                if all(v in self.arrived for v in values):
                    return
            time.sleep(0.01)
        missing = sum(v not in self.arrived for v in values)
        raise SystemExit(f"{missing} of {len(values)} changes never arrived")

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def tree_cpu(root: int) -> float:
    """CPU seconds used so far by a process and all its descendants."""
    tick = os.sysconf("SC_CLK_TCK")
    stats = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        stats[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    tree, frontier = set(), {root}
    while frontier:
        tree |= frontier
        frontier = {pid for pid, (ppid, _) in stats.items() if ppid in frontier} - tree
    return sum(stats[pid][1] for pid in tree if pid in stats)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def steady(base: str, key: SigningKey, n: int) -> dict[str, float]:
    """``n`` one-item statements at RATE a second; each value's answer time."""
    signer = Client(base, "alpha", key, timeout=60)
    batches = [_items(1) for _ in range(n)]
    bodies = [signer.sign("submission", b).to_json() for b in batches]
    signer.close()
    answered: dict[str, float] = {}
    local = threading.local()
    start = time.time() + 0.2

    def send(i: int) -> None:
        if not hasattr(local, "client"):
            local.client = Client(base, "alpha", key, timeout=60, retries=0)
        time.sleep(max(0.0, start + i / RATE - time.time()))
        local.client.submit_envelope("submission", bodies[i])
        answered[batches[i][0]["value"]] = time.time()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(send, range(n)))
    reached = n / (max(answered.values()) - start)
    answered["__rate__"] = reached
    return answered


def burst(base: str, key: SigningKey) -> dict[str, float]:
    """One statement of BURST items; each value's answer time (all the same)."""
    with Client(base, "alpha", key, timeout=300, retries=0) as client:
        items = _items(BURST)
        body = client.sign("submission", items).to_json()
        client.submit_envelope("submission", body)
        at = time.time()
    return {item["value"]: at for item in items}


def run(url: str, data_dir: Path, steady_n: int) -> dict[str, dict[str, float]]:
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    settings = load_settings(environ={}, data_dir=data_dir, database_url=url)
    root = bootstrap(settings)
    schema.upgrade(root.settings, root.db)
    alpha, bravo = SigningKey.generate(), SigningKey.generate()
    members.add_member(root.db, "alpha", "Alpha", "submitter", alpha.verify_key)
    members.add_member(root.db, "bravo", "Bravo", "matcher", bravo.verify_key)
    root.close()
    receiver = Receiver()
    loads = {
        f"{RATE} changes/s": lambda base: steady(base, alpha, steady_n),
        f"burst of {BURST:,}": lambda base: burst(base, alpha),
    }
    out: dict[str, dict[str, float]] = {name: {} for name in loads}
    try:
        with server_process(data_dir, url, env=SERVER_ENV) as (base, proc):
            for subscribed in (False, True):
                if subscribed:
                    with Client(base, "bravo", bravo, retries=0) as c:
                        secret = c.add_subscription(receiver.url)["secret"]
                for name, load in loads.items():
                    receiver.reset()
                    time.sleep(0.5)  # the previous load's deliveries settled
                    cpu = tree_cpu(proc.pid)
                    answered = load(base)
                    reached = answered.pop("__rate__", None)
                    if subscribed:
                        receiver.wait_for(list(answered), 120)
                    else:
                        time.sleep(0.5)
                    spent = tree_cpu(proc.pid) - cpu
                    figures = out[name]
                    if not subscribed:
                        figures["submission_cpu"] = spent / len(answered)
                        continue
                    if receiver.repeats:
                        raise SystemExit(f"{name}: {receiver.repeats} changes arrived twice")
                    body, headers = receiver.sample
                    Webhook(secret).verify(body, {k.lower(): v for k, v in headers.items()})
                    late = [receiver.arrived[v] - at for v, at in answered.items()]
                    figures.update(
                        p50=_percentile(late, 0.5),
                        p95=_percentile(late, 0.95),
                        delivery_cpu=spent / len(answered) - figures["submission_cpu"],
                        changes=len(answered),
                    )
                    if reached is not None:
                        figures["rate"] = reached
    finally:
        receiver.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 s at 50/s instead of 10 s")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    steady_n = RATE * (3 if args.quick else 10)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["SQLite"] = run(f"sqlite:///{tmp}/push.db", Path(tmp) / "d1", steady_n)
        if not args.no_postgres:
            name = f"ch_bench_push_{os.getpid()}"
            pg = _pg_database(name)
            try:
                if pg:
                    results["PostgreSQL"] = run(pg, Path(tmp) / "d2", steady_n)
            finally:
                _pg_database(name, create=False)
    print("\nPush: submission answered → webhook arrived (2 workers delivering, one subscription)")
    print("| database | load | reached | p50 (s) | p95 (s) | p95 target | delivery CPU / change "
          "| submission CPU / change | delivery / submission |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for db, loads in results.items():
        for load, f in loads.items():
            reached = f"{f['rate']:.1f}/s" if "rate" in f else f"{f['changes']:,} items"
            ratio = f["delivery_cpu"] / f["submission_cpu"] if f["submission_cpu"] else 0.0
            ok = "ok" if f["p95"] <= TARGET_P95 else "MISSED"
            print(f"| {db} | {load} | {reached} | {f['p50']:.3f} | {f['p95']:.3f} "
                  f"| ≤ {TARGET_P95:.0f} ({ok}) | {f['delivery_cpu'] * 1e3:.3f} ms "
                  f"| {f['submission_cpu'] * 1e3:.3f} ms | {ratio:.2f} |")  # fmt: skip


if __name__ == "__main__":
    main()
