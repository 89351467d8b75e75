"""The log rebuilds the state: ``db check`` finds nothing to report after a busy log,
``db rebuild --from-log`` into an empty database yields the same state, and rows edited
or deleted behind the service's back are reported, never a 500."""

from __future__ import annotations

import os
import uuid

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, delete, text, update
from support import add_member, pdq_item, random_pdq

from clearinghouse.bootstrap import bootstrap
from clearinghouse.cli.main import build_cli
from clearinghouse.services.use_cases import holds, log_check, members
from clearinghouse.store import migrate, state_tables
from clearinghouse.store.holds import all_holds
from clearinghouse.store.models import Contribution, Signal, SignalHold
from clearinghouse.store.regions import all_regions

PG_URL = os.environ.get("TEST_DATABASE_URL")
THREAT = "behaviour:imminent-credible-threat"


def _busy_log(db, client) -> dict:
    """Submit, corroborate, dispute, retract (one of two, then the last), resubmit, give
    feedback twice, rotate a key and suspend a member."""
    alpha = add_member(db, client, "alpha")
    bravo = add_member(db, client, "bravo")
    charlie = add_member(db, client, "charlie", roles="submitter,matcher")
    shared, alone = random_pdq(), random_pdq()
    md5 = {"signal_type": "md5", "value": "ab" * 16, "content_type": "video/mp4",
           "labels": [THREAT], "note": "from a channel"}  # fmt: skip
    steps = [
        alpha.state("submission", [pdq_item(shared), pdq_item(alone), md5]),
        bravo.state("submission", [pdq_item(shared, labels=[THREAT])]),
        alpha.state("submission", [pdq_item(shared, labels=[THREAT])]),  # labels merged
        charlie.state("feedback", [{"signal_type": "pdq", "value": shared,
                                    "verdict": "disagree", "reason": "news"}]),
        bravo.state("feedback", [{"signal_type": "pdq", "value": shared,
                                  "verdict": "agree", "reason": "seen it"}]),
        charlie.state("feedback", [{"signal_type": "pdq", "value": shared,
                                    "verdict": "agree", "reason": "changed my mind"}]),
        alpha.state("retraction", [{"signal_type": "pdq", "value": shared, "reason": "x"}]),
        alpha.state("retraction", [{"signal_type": "pdq", "value": alone, "reason": "x"}]),
        alpha.state("submission", [pdq_item(alone)]),  # back after its retraction
        bravo.state("retraction", [{"signal_type": "pdq", "value": shared, "reason": "y"}]),
    ]  # fmt: skip
    for answer in steps:
        assert answer.status_code == 201, answer.json
    spare = type(alpha.key).generate()
    members.add_key(db, "alpha", spare.verify_key)
    members.revoke_key(db, "alpha", alpha.key.key_id)
    alpha.key = spare
    assert alpha.state("submission", [pdq_item(random_pdq())]).status_code == 201
    members.suspend_member(db, "charlie")
    md5_id, alone_id = 3, 2
    holds.hold_signal(db, alone_id, "a burst of matches")
    holds.release_signal(db, alone_id, "a known picture")
    holds.hold_signal(db, md5_id, "far more than its type", by="checker")
    return {"shared": shared, "alone": alone, "alpha": alpha}


@pytest.fixture
def empty_database(_template_db, tmp_path):
    """A second migrated, empty database of the same kind."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'rebuilt.db'}"
        return
    base, _, _ = PG_URL.rpartition("/")
    name = f"rebuild_{uuid.uuid4().hex[:12]}"
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _comparable(db):
    with db.read() as session:
        s = state_tables.read_state(session)
        held = all_holds(session)
    return (s.members, s.keys, s.signals, s.contributions, s.feedback, s.statements,
            s.taxonomy_digest, held)  # fmt: skip


def test_a_busy_log_implies_the_state_and_rebuilds_it(
    db, registry, client, settings, empty_database
):
    _busy_log(db, client)
    assert log_check.check(db, registry) == []

    migrate.upgrade(empty_database)
    target = bootstrap(settings.replace(database_url=empty_database))
    try:
        counts = log_check.rebuild(target.db, target.registry, target.log_key, db)
        assert counts["statements"] == 11 and counts["members"] == 3
        assert counts["holds"] == 2
        assert log_check.check(target.db, target.registry) == []
        assert _comparable(target.db) == _comparable(db)
        with pytest.raises(Exception, match="not empty"):
            log_check.rebuild(target.db, target.registry, target.log_key, db)
    finally:
        target.close()


def test_db_check_and_rebuild_commands(db, client, settings, empty_database, monkeypatch):
    _busy_log(db, client)
    runner = CliRunner()
    monkeypatch.setenv("CLEARINGHOUSE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("CLEARINGHOUSE_DATABASE_URL", settings.effective_database_url)
    clean = runner.invoke(build_cli(), ["db", "check"])
    assert clean.exit_code == 0, clean.output
    migrate.upgrade(empty_database)
    monkeypatch.setenv("CLEARINGHOUSE_DATABASE_URL", empty_database)
    built = runner.invoke(
        build_cli(), ["db", "rebuild", "--from-log", settings.effective_database_url, "--json"]
    )
    assert built.exit_code == 0, built.output
    assert runner.invoke(build_cli(), ["db", "check"]).exit_code == 0


def test_rows_changed_behind_the_back_are_reported_and_never_a_500(db, registry, client):
    log = _busy_log(db, client)
    alpha = log["alpha"]
    engine = create_engine(db.url)
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SET LOCAL session_replication_role = replica"))
            md5_id = conn.execute(text("SELECT id FROM signals WHERE signal_type = 'md5'")).scalar()
            conn.execute(delete(Contribution).where(Contribution.signal_id == md5_id))
            alone = conn.execute(
                text("SELECT id FROM signals WHERE value = :v"), {"v": log["alone"]}
            ).scalar()
            conn.execute(update(Signal).where(Signal.id == alone).values(status="retracted"))
            conn.execute(delete(SignalHold).where(SignalHold.signal_id == md5_id))
    finally:
        engine.dispose()

    found = log_check.check(db, registry)
    assert any(line.startswith(f"contribution {md5_id}/alpha: missing") for line in found)
    assert any(line.startswith(f"signal {alone}: status is 'retracted'") for line in found)
    assert any(line.startswith(f"hold {md5_id}: missing from the state") for line in found)
    assert len(found) == 3, found

    for path in (f"/v1/signals/{md5_id}", f"/v1/signals/{alone}", "/v1/signals"):
        assert alpha.request("GET", path).status_code < 500
    lookup = alpha.request("GET", f"/v1/match?signal_type=md5&value={'ab' * 16}")
    assert lookup.status_code < 500
    again = alpha.state("retraction", [{"signal_type": "md5", "value": "ab" * 16, "reason": "z"}])
    assert again.status_code < 500


def test_regions_are_rebuilt_from_the_log(db, client, settings, empty_database):
    alpha = add_member(db, client, "alpha")
    ladder = [{"pdq": random_pdq(), "quality": 60 + n} for n in range(3)]
    r = alpha.state("submission", [pdq_item(random_pdq(), regions=ladder), pdq_item(random_pdq())])
    assert r.status_code == 201, r.json
    migrate.upgrade(empty_database)
    target = bootstrap(settings.replace(database_url=empty_database))
    try:
        counts = log_check.rebuild(target.db, target.registry, target.log_key, db)
        assert counts["regions"] == 3
        assert log_check.check(target.db, target.registry) == []
        with db.read() as before, target.db.read() as after:
            assert all_regions(after) == all_regions(before)
            assert len(all_regions(after)) == 1
    finally:
        target.close()
