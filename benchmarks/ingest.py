"""Ingest: signed statements of 10,000 PDQ items end to end over HTTP, against a plain
SQLAlchemy Core bulk insert of the same rows, measured in the same run.

"Ours" is a real ``clearinghouse serve`` (gunicorn, 2 workers) on a fresh database, fed by
the member SDK: request signature, DSSE verification, validation, database writes, the
log append, the checkpoint and the inclusion proof all count. The baseline inserts the
same signal and contribution rows with ``connection.execute(table.insert(), rows)``.

    .venv/bin/python benchmarks/ingest.py [--quick] [--statements N] [--postgres URL]
"""

from __future__ import annotations

import argparse
import json
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
from clearinghouse.services import members, schema
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


def ours(url: str, data_dir: Path, batches: list[list[dict]]) -> float:
    """Items per second through a real server process."""
    settings = load_settings(environ={}, data_dir=data_dir, database_url=url)
    ctx = bootstrap(settings)
    schema.upgrade(ctx.settings, ctx.db)
    key = SigningKey.generate()
    members.add_member(ctx.db, "bench", "Bench", "submitter,matcher", key.verify_key)
    ctx.close()
    with running_server(data_dir, url) as base:
        client = Client(base, "bench", key, timeout=120)
        envelopes = [client.sign("submission", batch) for batch in batches]
        start = time.perf_counter()
        for envelope in envelopes:
            client.submit_envelope("submission", envelope)
        elapsed = time.perf_counter() - start
        client.close()
    return sum(len(b) for b in batches) / elapsed


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


def _pg_database(name: str) -> str | None:
    try:
        import psycopg

        with psycopg.connect(
            PG_ADMIN.replace("+psycopg", ""), autocommit=True, connect_timeout=3
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
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
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_ours = f"sqlite:///{tmp}/ours.db"
        sqlite_base = f"sqlite:///{tmp}/base.db"
        results["SQLite"] = (
            ours(sqlite_ours, Path(tmp) / "d1", batches),
            baseline(sqlite_base, batches),
            20_000,
        )
        if not args.no_postgres:
            a, b = _pg_database("ch_bench_ours"), _pg_database("ch_bench_base")
            if a and b:
                results["PostgreSQL"] = (
                    ours(a, Path(tmp) / "d2", batches),
                    baseline(b, batches),
                    10_000,
                )
    print(f"\nIngest: {n} signed statements of {ITEMS:,} PDQ items over HTTP")
    print("| database | ours (items/s) | Core bulk insert (items/s) | ours / baseline | target |")
    print("|---|---|---|---|---|")
    for name, (mine, base, target) in results.items():
        print(f"| {name} | {mine:,.0f} | {base:,.0f} | {mine / base:.2f} | ≥ {target:,} |")
    print(
        json.dumps({k: {"ours": round(v[0]), "baseline": round(v[1])} for k, v in results.items()})
    )


if __name__ == "__main__":
    main()
