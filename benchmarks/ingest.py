"""Ingest: signed statements of 10,000 PDQ items end to end over HTTP, against a plain
SQLAlchemy Core bulk insert of the same rows, measured in the same run.

"Ours" is a real ``clearinghouse serve`` (gunicorn, 2 workers) on a fresh database, fed by
the member SDK with envelopes signed beforehand: request signature, DSSE verification,
validation, database writes, the log append, the checkpoint and the inclusion proof all
count. Three rounds against the same server: statements of new items; the same items
submitted again by the same member in new envelopes (every item ``unchanged``); and a
mixed batch, half new items and half items submitted before. The baseline inserts the
new rows with ``connection.execute(table.insert(), rows)``. Afterwards (untimed) the
state tables must be exactly what the log implies (``clearinghouse db check``).

    .venv/bin/python benchmarks/ingest.py [--quick] [--statements N] [--no-postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _server import running_server
from sqlalchemy import create_engine, text

from clearinghouse.bootstrap import bootstrap
from clearinghouse.client import Client
from clearinghouse.config import load_settings
from clearinghouse.crypto import SigningKey
from clearinghouse.services.use_cases import log_check, members, schema
from clearinghouse.store import migrate
from clearinghouse.store.models import Contribution, Member, Signal

ITEMS = 10_000
LABEL = "behaviour:glorification-of-terrorist-acts"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _items(n: int) -> list[dict]:
    return [
        {"signal_type": "pdq", "value": secrets.token_hex(32), "quality": 90,
         "content_type": "image/jpeg", "labels": [LABEL]}
        for _ in range(n)
    ]  # fmt: skip


def ours(url: str, data_dir: Path, batches: list[list[dict]]) -> dict[str, float]:
    """Items per second through a real server process: new items, resubmissions, mixed."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    settings = load_settings(environ={}, data_dir=data_dir, database_url=url)
    ctx = bootstrap(settings)
    schema.upgrade(ctx.settings, ctx.db)
    key = SigningKey.generate()
    members.add_member(ctx.db, "bench", "Bench", "submitter,matcher", key.verify_key)
    ctx.close()
    half = ITEMS // 2
    rounds = {
        "new items": batches,
        "resubmissions": batches,
        "mixed (½ new, ½ resubmitted)": [b[:half] + _items(ITEMS - half) for b in batches],
    }
    expected = {"new items": {"new"}, "resubmissions": {"unchanged"}}
    out: dict[str, float] = {}
    with running_server(data_dir, url) as base:
        client = Client(base, "bench", key, timeout=120)
        for name, statements in rounds.items():
            bodies = [client.sign("submission", batch).to_json() for batch in statements]
            start = time.perf_counter()
            answers = [client.submit_envelope("submission", body) for body in bodies]
            out[name] = sum(len(b) for b in statements) / (time.perf_counter() - start)
            statuses = {item["status"] for answer in answers for item in answer["items"]}
            if name in expected and statuses != expected[name]:
                raise SystemExit(f"{name}: unexpected item statuses {sorted(statuses)}")
        client.close()
    # Untimed: the state tables must be what the log implies after all three rounds.
    ctx = bootstrap(settings)
    differences = log_check.check(ctx.db, ctx.registry)
    ctx.close()
    if differences:
        raise SystemExit(f"db check: {len(differences)} difference(s); first: {differences[0]}")
    return out


def baseline(url: str, batches: list[list[dict]]) -> float:
    """Items per second for a plain Core bulk insert of the same signal and contribution rows."""
    migrate.upgrade(url)
    engine = create_engine(url)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            Member.__table__.insert(),
            [
                {
                    "id": "bench",
                    "name": "B",
                    "roles": "submitter",
                    "status": "active",
                    "created_at": now,
                }
            ],
        )
    # Contributions reference a statement; make one row to point at without timing it.
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO log_entries (idx, entry_type, data, created_at) "
                "VALUES (0, 'submission', :d, :t)"
            ),
            {"d": b"{}", "t": now},
        )
        conn.execute(
            text(
                "INSERT INTO member_keys (key_id, member_id, public_key, status, "
                "created_at) VALUES ('k', 'bench', :p, 'active', :t)"
            ),
            {"p": b"\0" * 32, "t": now},
        )
        conn.execute(
            text(
                "INSERT INTO statements (id, kind, member_id, key_id, envelope_digest,"
                " log_index, response, created_at) VALUES (1, 'submission', 'bench',"
                " 'k', :d, 0, '{}', :t)"
            ),
            {"d": b"\0" * 32, "t": now},
        )
    start = time.perf_counter()
    next_id = 1
    for batch in batches:
        with engine.begin() as conn:
            signals = []
            for item in batch:
                signals.append(
                    {
                        "id": next_id,
                        "signal_type": "pdq",
                        "value": item["value"],
                        "digest": secrets.token_bytes(32),
                        "quality": 90,
                        "status": "active",
                        "first_seen": now,
                        "last_seen": now,
                        "updated_index": 1,
                    }
                )
                next_id += 1
            conn.execute(Signal.__table__.insert(), signals)
            conn.execute(Contribution.__table__.insert(), [
                {"signal_id": s["id"], "member_id": "bench", "statement_id": 1,
                 "labels": [LABEL], "content_type": "image/jpeg", "note": None,
                 "status": "active", "created_at": now} for s in signals])  # fmt: skip
    elapsed = time.perf_counter() - start
    engine.dispose()
    return sum(len(b) for b in batches) / elapsed


def _pg_database(name: str, *, create: bool = True) -> str | None:
    """A fresh database ``name`` (dropped first); with ``create=False``, only dropped."""
    try:
        import psycopg

        with psycopg.connect(
            PG_ADMIN.replace("+psycopg", ""), autocommit=True, connect_timeout=3
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            if create:
                conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # no server: say so and go on with SQLite
        print(f"PostgreSQL: skipped ({exc.__class__.__name__})")
        return None
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 statements instead of 5")
    parser.add_argument("--statements", type=int, default=None)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    n = args.statements or (2 if args.quick else 5)
    batches = [_items(ITEMS) for _ in range(n)]
    results: dict[str, tuple[dict[str, float], float, int]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["SQLite"] = (
            ours(f"sqlite:///{tmp}/ours.db", Path(tmp) / "d1", batches),
            baseline(f"sqlite:///{tmp}/base.db", batches),
            20_000,
        )
        if not args.no_postgres:
            names = f"ch_bench_ours_{os.getpid()}", f"ch_bench_base_{os.getpid()}"
            a, b = (_pg_database(name) for name in names)
            try:
                if a and b:
                    results["PostgreSQL"] = (
                        ours(a, Path(tmp) / "d2", batches),
                        baseline(b, batches),
                        10_000,
                    )
            finally:  # this run's databases go with it
                for name in names:
                    _pg_database(name, create=False)
    print(f"\nIngest: {n} signed statements of {ITEMS:,} PDQ items per round, over HTTP")
    print("| database | round | ours (items/s) | Core bulk insert (items/s) | ours / baseline "
          "| target |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for db, (mine, base, target) in results.items():
        for name, rate in mine.items():
            print(f"| {db} | {name} | {rate:,.0f} | {base:,.0f} | {rate / base:.2f} "
                  f"| ≥ {target:,} |")  # fmt: skip
    print(
        json.dumps(
            {
                db: {"baseline": round(base), **{k: round(v) for k, v in mine.items()}}
                for db, (mine, base, _) in results.items()
            }
        )
    )


if __name__ == "__main__":
    main()
