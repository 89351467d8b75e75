"""Run the whole suite on SQLite, then on a fresh PostgreSQL database, and summarise.

The PostgreSQL pass uses a database created for this run on
``TEST_PG_ADMIN_URL`` (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres)
and drops it afterwards. It is skipped only when no server answers, and the summary
says so. Extra arguments go to pytest.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

ADMIN_URL = os.environ.get(
    "TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _pytest(env: dict[str, str], label: str) -> int:
    print(f"\n=== test pass: {label} ===", flush=True)
    return subprocess.call([sys.executable, "-m", "pytest", "-q", *sys.argv[1:]], env=env)


def _admin():
    import psycopg

    url = ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    return psycopg.connect(url, autocommit=True, connect_timeout=5)


def main() -> int:
    results: list[tuple[str, str]] = []
    env = dict(os.environ)
    env.pop("TEST_DATABASE_URL", None)
    code = _pytest(env, "SQLite")
    results.append(("SQLite", "passed" if code == 0 else f"FAILED (exit {code})"))
    failed = code != 0

    try:
        admin = _admin()
    except Exception as exc:  # no server answering: the only reason to skip
        results.append(("PostgreSQL", f"SKIPPED: no server answers ({exc.__class__.__name__})"))
    else:
        name = f"clearinghouse_test_{uuid.uuid4().hex[:10]}"
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            base = ADMIN_URL.rsplit("/", 1)[0]
            env_pg = dict(env, TEST_DATABASE_URL=f"{base}/{name}")
            code = _pytest(env_pg, f"PostgreSQL ({name})")
            results.append(("PostgreSQL", "passed" if code == 0 else f"FAILED (exit {code})"))
            failed = failed or code != 0
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()

    print("\n=== summary ===")
    for label, outcome in results:
        print(f"{label}: {outcome}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
