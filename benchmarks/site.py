"""Transparency site: page load times at 10^6 log entries, as ratios to ``/healthz``
(the cost of any request to the same server) measured in the same run.

A throwaway SQLite log is filled with signed submissions through the store's bulk path
(as ``benchmarks/audit.py`` does), a real ``clearinghouse serve`` serves it, and each
page is fetched REPEAT times in a row; the median and the 95th percentile of the server
round trip are reported. Pages read a window of the log and O(log n) tree nodes per
entry shown, so their time should not depend on where in the log the window is.

The state behind the report (signals, contributions, feedback) is filled too, straight
through the store's bulk insert: SIGNALS signals over twelve months, a fifth of them
corroborated by a second member, one in twenty retracted, one in fifty disputed. The
report is cached for 30 s per process; its first, uncached build is timed on its own.

    .venv/bin/python benchmarks/site.py [--quick] [--entries N] [--signals N]
"""

from __future__ import annotations

import argparse
import hashlib
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _server import running_server
from audit import MEMBERS, POOL, _pool, populate

from clearinghouse.bootstrap import bootstrap
from clearinghouse.config import load_settings
from clearinghouse.crypto import SigningKey
from clearinghouse.services.read_models.report import report
from clearinghouse.services.use_cases import members
from clearinghouse.store import migrate
from clearinghouse.store.bulk import bulk_insert
from clearinghouse.store.models import Contribution, Feedback, MemberKey, Signal, Statement

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


def fill_state(root, names: list[str], count: int) -> None:
    """Signals with contributions, retractions and verdicts, as statements leave them."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    labels = ["behaviour:glorification-of-terrorist-acts", "entity:example-org"]
    with root.db.write() as session:
        statements = []
        for n, name in enumerate(names):
            session.add(Statement(kind="submission", member_id=name, key_id=_key_of(session, name),
                                  envelope_digest=secrets.token_bytes(32), log_index=n,
                                  response={}, created_at=start))  # fmt: skip
            session.flush()
            statements.append(session.query(Statement.id).filter_by(log_index=n).scalar())
    for first in range(0, count, 20_000):
        signals, contributions, feedback = [], [], []
        for i in range(first, min(count, first + 20_000)):
            when = start + timedelta(minutes=i * 525_600 // count)
            value = secrets.token_hex(32)
            status = "retracted" if i % 20 == 0 else "active"
            digest = hashlib.sha256(b"pdq\0" + value.encode()).digest()
            signals.append((i + 1, "pdq", value, digest, 90, status, when, when, i))
            owner, other = names[i % len(names)], names[(i + 1) % len(names)]
            contributions.append((i + 1, owner, statements[0], [labels[i % 2]], "image/jpeg",
                                  None, status, when))  # fmt: skip
            if i % 5 == 0:
                later = when + timedelta(days=3)
                contributions.append((i + 1, other, statements[1], [labels[0]], "image/jpeg",
                                      None, "active", later))  # fmt: skip
            if i % 50 == 0:
                feedback.append((i + 1, other, statements[1], "disagree", "benchmark", when))
        with root.db.write() as session:
            bulk_insert(session, Signal.__table__, ("id", "signal_type", "value", "digest",
                        "quality", "status", "first_seen", "last_seen", "updated_index"),
                        signals)  # fmt: skip
            bulk_insert(session, Contribution.__table__, ("signal_id", "member_id",
                        "statement_id", "labels", "content_type", "note", "status",
                        "created_at"), contributions)  # fmt: skip
            bulk_insert(session, Feedback.__table__, ("signal_id", "member_id", "statement_id",
                        "verdict", "reason", "created_at"), feedback)  # fmt: skip


def _key_of(session, member: str) -> str:
    return session.query(MemberKey.key_id).filter_by(member_id=member).scalar()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 entries")
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--signals", type=int, default=None, help="default: entries / 4")
    args = parser.parse_args()
    total = 20_000 if args.quick else args.entries
    signals = args.signals if args.signals is not None else total // 4

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
        print(f"filling {signals:,} signals with contributions and verdicts ...", flush=True)
        fill_state(root, sorted(keys), signals)
        begun = time.perf_counter()
        figures = report(root.db, root.settings.confirm_threshold, fresh=True)
        report_build = time.perf_counter() - begun
        assert sum(figures["type_totals"].values()) == signals
        root.close()

        with running_server(tmp / "data", url) as base:
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

    base_median = statistics.median(results["/healthz (baseline)"])
    print(
        f"\nreport built uncached in {report_build * 1000:,.0f} ms over {signals:,} signals "
        f"({report_build / base_median:,.0f} × /healthz)"
    )
    print(f"\nsite pages at {size:,} log entries ({REPEAT} requests each, one client, 2 workers)")
    print(f"{'page':30} {'median ms':>10} {'p95 ms':>8} {'× /healthz':>11}")
    for name, times in results.items():
        times = sorted(times)
        median, p95 = statistics.median(times), times[int(0.95 * (len(times) - 1))]
        print(f"{name:30} {median * 1000:10.2f} {p95 * 1000:8.2f} {median / base_median:11.1f}")


if __name__ == "__main__":
    main()
