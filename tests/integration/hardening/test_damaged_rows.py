"""A state row damaged behind the service's back (DESIGN §11) costs the requests about that
signal a 503 and nothing more: every other endpoint keeps answering, the index load skips
it, ``db check`` names it and exits 1, and ``db repair`` rewrites it from the log.

Each damage is written with raw SQL on the database the test runs on (SQLite, or the
PostgreSQL of TEST_DATABASE_URL, whose column types refuse some of SQLite's garbage)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text
from support import add_member, pdq_item, random_pdq

from clearinghouse.cli.main import build_cli
from tests.conftest import PG_URL

# name -> (SQL writing the damage to signal :id, whether requests about the signal are 503)
COMMON = {
    "value": ("UPDATE signals SET value = 'zz-not-a-hash' WHERE id = :id", True),
    "type": ("UPDATE signals SET signal_type = 'bogus' WHERE id = :id", True),
    "status": ("UPDATE signals SET status = 'zombie' WHERE id = :id", True),
    "region": ("UPDATE signal_regions SET code = :short WHERE signal_id = :id", False),
    "missing": ("DELETE FROM signals WHERE id = :id", True),
}
SQLITE_ONLY = {
    "quality": ("UPDATE signals SET quality = 'high' WHERE id = :id", True),
    "first_seen": ("UPDATE signals SET first_seen = 'yesterday' WHERE id = :id", True),
    "labels": ("UPDATE contributions SET labels = '{broken' WHERE signal_id = :id", True),
}
POSTGRES_ONLY = {
    "quality": ("UPDATE signals SET quality = 999 WHERE id = :id", True),
    "labels": (
        'UPDATE contributions SET labels = \'{"not": "a list"}\' WHERE signal_id = :id',
        True,
    ),
}
DAMAGE = {**COMMON, **(POSTGRES_ONLY if PG_URL else SQLITE_ONLY)}


def _damage(url: str, sql: str, signal_id: int) -> None:
    engine = create_engine(url)  # a plain engine: no pragma, the service's checks bypassed
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":  # let a deleted row leave its references
                conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text(sql), {"id": signal_id, "short": b"\x00"})
    finally:
        engine.dispose()


@pytest.fixture
def world(db, root, app, settings, monkeypatch):
    monkeypatch.setattr("clearinghouse.api.match.READY_WAIT", 5)
    client = app.test_client()
    member = add_member(db, client, "alpha")
    values = [random_pdq() for _ in range(3)]
    items = [pdq_item(v) for v in values]
    items[1]["regions"] = [{"pdq": random_pdq(), "quality": 90} for _ in range(2)]
    answer = member.state("submission", items)
    assert answer.status_code == 201, answer.json
    ids = [i["signal_id"] for i in answer.json["items"]]
    monkeypatch.setenv("CLEARINGHOUSE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("CLEARINGHOUSE_DATABASE_URL", settings.effective_database_url)
    return member, client, values, ids


def _cli(*args: str):
    return CliRunner().invoke(build_cli(), list(args))


@pytest.mark.parametrize("kind", sorted(DAMAGE))
def test_a_damaged_row_is_a_503_for_its_signal_only_and_repaired_from_the_log(
    world, db, root, kind
):
    member, client, values, ids = world
    damaged, sound = ids[1], ids[0]
    before = member.request("GET", f"/v1/signals/{damaged}").json
    sql, refused = DAMAGE[kind]
    _damage(db.url, sql, damaged)
    assert root.matcher.ready.wait(30)

    # Everything else keeps answering.
    assert client.get("/readyz").status_code == 200
    assert client.get("/healthz").status_code == 200
    feed = member.request("GET", "/v1/signals")
    assert feed.status_code == 200, feed.json
    shown = {s["signal_id"] for s in feed.json["signals"]}
    assert {ids[0], ids[2]} <= shown and (damaged not in shown) == refused
    assert member.request("GET", f"/v1/signals/{sound}").status_code == 200
    for value in (values[0], values[2]):
        found = member.request("GET", "/v1/match", query={"signal_type": "pdq", "value": value})
        assert found.status_code == 200, found.json
        assert len(found.json["results"][0]["matches"]) == 1
    for page in ("/report", "/report.csv", "/", "/log", "/members"):
        assert client.get(page).status_code == 200, page

    # The requests about the damaged signal are a 503 problem naming nothing stored.
    one = member.request("GET", f"/v1/signals/{damaged}")
    retract = member.state(
        "retraction", [{"signal_type": "pdq", "value": values[1], "reason": "gone"}]
    )
    if refused:
        assert one.status_code == 503 and one.headers["Content-Type"] == "application/problem+json"
        assert one.json["type"].endswith("/damaged-state") and str(damaged) in one.json["detail"]
        assert "zz-not" not in one.get_data(as_text=True)
        if kind != "missing":  # a missing row no longer says which hash it was
            assert retract.status_code == 503, retract.json
    else:
        assert one.status_code == 200 and one.json == before
        assert retract.status_code == 201

    # db check names the row and fails; db repair puts it back from the log.
    check = _cli("db", "check")
    assert check.exit_code == 1, check.output
    assert "Traceback" not in check.output
    assert any(str(damaged) in line for line in check.stdout.splitlines())
    repaired = _cli("db", "repair")
    assert repaired.exit_code == 0, repaired.output
    assert f"signal {damaged}: rewritten from the log" in repaired.stdout
    assert _cli("db", "check").exit_code == 0
    again = member.request("GET", f"/v1/signals/{damaged}")
    assert again.status_code == 200
    if refused:
        assert again.json["value"] == values[1]
    assert _cli("db", "repair").stdout == ""  # nothing left to repair


def test_a_sound_database_needs_no_repair(world):
    assert _cli("db", "check").exit_code == 0
    result = _cli("db", "repair", "--json")
    assert result.exit_code == 0 and result.stdout.strip() == '{"repaired": []}'
