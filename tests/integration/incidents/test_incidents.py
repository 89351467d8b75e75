"""Declared incidents: the coordinator role, the label they add, lookups and the feed
while one is active, refusals, and the log (fold, db check, rebuild, audit)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from support import add_member, pdq_item, random_pdq

from clearinghouse.bootstrap import bootstrap
from clearinghouse.cli.audit import audit
from clearinghouse.client.statements import sign_incident
from clearinghouse.services.use_cases import log_check
from clearinghouse.store import migrate, state_tables
from clearinghouse.wire import ENDPOINTS

SLUG = "harbour-attack"
LABEL = f"incident:{SLUG}"


def act(member, action, slug=SLUG, title="", summary="", envelope=None):
    body = (
        envelope
        or sign_incident(
            member.id, action, slug, member.key, title=title, summary=summary
        ).to_json()
    )
    return member.request("POST", ENDPOINTS["incident"], body=body)


@pytest.fixture
def people(db, client):
    return (
        add_member(db, client, "gifct", "coordinator"),
        add_member(db, client, "alpha", "submitter,matcher"),
    )


def test_only_a_coordinator_declares_and_any_member_lists(people):
    coordinator, alpha = people
    refused = act(alpha, "declare", title="Harbour attack")
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    answer = act(coordinator, "declare", title="Harbour attack", summary="livestream, 14:02")
    assert answer.status_code == 201, answer.json
    assert answer.json["incident"]["status"] == "active" and "inclusion_proof" in answer.json
    listed = alpha.request("GET", "/v1/incidents").json["incidents"]
    assert [(i["incident"], i["status"], i["title"]) for i in listed] == [
        (SLUG, "active", "Harbour attack")
    ]
    assert listed[0]["declared"] == listed[0]["updated"] and listed[0]["concluded"] is None


def test_the_label_is_refused_before_and_usable_after_the_declaration(people):
    coordinator, alpha = people
    before = alpha.state("submission", [pdq_item(random_pdq(), labels=[LABEL])])
    assert before.status_code == 400 and LABEL in json.dumps(before.json)
    act(coordinator, "declare", title="Harbour attack")
    labels = [x["label"] for x in alpha.request("GET", "/v1/labels").json["labels"]]
    assert LABEL in labels
    after = alpha.state("submission", [pdq_item(random_pdq(), labels=[LABEL])])
    assert after.status_code == 201, after.json


def test_lookups_name_the_active_incident_and_the_feed_filters_by_it(people):
    coordinator, alpha = people
    act(coordinator, "declare", title="Harbour attack")
    tagged, plain = random_pdq(), random_pdq()
    alpha.state("submission", [pdq_item(tagged, labels=[LABEL]), pdq_item(plain)])

    def lookup(value):
        query = {"signal_type": "pdq", "value": value, "max_distance": 0}
        (match,) = alpha.request("GET", "/v1/match", query=query).json["results"][0]["matches"]
        return match

    assert lookup(tagged)["incidents"] == [SLUG]
    assert "incidents" not in lookup(plain)
    feed = alpha.request("GET", "/v1/signals", query={"incident": SLUG}).json["signals"]
    assert [s["value"] for s in feed] == [tagged]
    assert alpha.request("GET", "/v1/signals", query={"incident": "Bad Slug"}).status_code == 400
    updated = act(coordinator, "update", summary="more variants: mirrored, cropped")
    assert updated.json["incident"]["title"] == "Harbour attack"  # kept
    assert updated.json["incident"]["summary"].startswith("more variants")
    concluded = act(coordinator, "conclude")
    assert concluded.json["incident"]["status"] == "concluded"
    assert "incidents" not in lookup(tagged)  # no longer active
    listed = alpha.request("GET", "/v1/incidents").json["incidents"][0]
    assert listed["concluded"] == concluded.json["incident"]["concluded"] is not None


REFUSALS = {
    "declared-twice": (["declare"], "declare", {"title": "again"}, 409),
    "update-never-declared": ([], "update", {"summary": "x"}, 404),
    "conclude-twice": (["declare", "conclude"], "conclude", {}, 409),
    "declare-without-title": ([], "declare", {}, 400),
    "declare-blank-title": ([], "declare", {"title": "  "}, 400),
}


@pytest.mark.parametrize("before, action, fields, status", REFUSALS.values(), ids=REFUSALS.keys())
def test_actions_that_cannot_apply_are_refused_and_log_nothing(
    db, people, before, action, fields, status
):
    coordinator, _ = people
    for earlier in before:
        assert act(coordinator, earlier, title="Harbour attack").status_code == 201
    size = _size(db)
    r = act(coordinator, action, **fields)
    assert r.status_code == status and r.mimetype == "application/problem+json"
    assert _size(db) == size


@pytest.mark.parametrize("title", ["", "   "])
def test_a_declaration_without_a_title_is_400_naming_the_field(people, title):
    coordinator, _ = people
    r = act(coordinator, "declare", title=title)
    assert r.status_code == 400 and r.mimetype == "application/problem+json"
    assert [e["field"] for e in r.json["errors"]] == ["payload.title"]
    assert act(coordinator, "declare", title="Harbour attack").status_code == 201


@pytest.mark.parametrize(
    "payload",
    [
        {"action": "explode"},
        {"incident": "Not A Slug"},
        {"title": "line\nbreak"},
        {"summary": "x" * 4001},
        {"extra": 1},
        {"title": 7},
    ],
)
def test_bad_payloads_are_400_and_log_nothing(db, people, payload):
    from clearinghouse.crypto import sign_envelope
    from clearinghouse.wire import PAYLOAD_TYPES

    coordinator, _ = people
    base = json.loads(sign_incident("gifct", "declare", SLUG, coordinator.key, title="T").payload)
    raw = json.dumps({**base, **payload}).encode()
    envelope = sign_envelope(PAYLOAD_TYPES["incident"], raw, coordinator.key).to_json()
    size = _size(db)
    r = act(coordinator, "declare", envelope=envelope)
    assert r.status_code == 400, r.json
    assert _size(db) == size


def test_the_same_envelope_twice_is_stored_once(db, people):
    coordinator, _ = people
    envelope = sign_incident("gifct", "declare", SLUG, coordinator.key, title="T").to_json()
    first = act(coordinator, "declare", envelope=envelope)
    size = _size(db)
    again = act(coordinator, "declare", envelope=envelope)
    assert again.status_code == 201 and again.json == first.json and _size(db) == size


def _size(db) -> int:
    from clearinghouse.store.log import log_size

    with db.read() as session:
        return log_size(session)


def test_incidents_are_in_the_fold_db_check_and_rebuild(db, registry, people, settings, tmp_path):
    coordinator, alpha = people
    act(coordinator, "declare", title="Harbour attack", summary="s")
    alpha.state("submission", [pdq_item(random_pdq(), labels=[LABEL])])
    act(coordinator, "update", summary="later")
    act(coordinator, "declare", slug="second-one", title="Second")
    act(coordinator, "conclude")
    assert log_check.check(db, registry) == []
    with db.write() as session:  # damage the state behind the service's back
        from clearinghouse.store.models import Incident

        session.get(Incident, SLUG).status = "active"
    found = log_check.check(db, registry)
    assert len(found) == 1 and found[0].startswith(f"incident {SLUG}: status is 'active'")
    with db.write() as session:
        session.get(Incident, SLUG).status = "concluded"
    if settings.is_sqlite:
        empty = f"sqlite:///{tmp_path / 'rebuilt.db'}"
        migrate.upgrade(empty)
        target = bootstrap(settings.replace(database_url=empty))
        try:
            log_check.rebuild(target.db, target.registry, target.log_key, db)
            assert log_check.check(target.db, target.registry) == []
            with target.db.read() as a, db.read() as b:
                assert state_tables.read_state(a).incidents == state_tables.read_state(b).incidents
        finally:
            target.close()


def test_audit_verifies_incident_statements(db, client, server, people, tmp_path):
    coordinator, _ = people
    auditor = add_member(db, client, "watchdog", "auditor")
    act(coordinator, "declare", title="Harbour attack")
    act(coordinator, "conclude")
    key_path = tmp_path / "watchdog.key"
    key_path.write_bytes(auditor.key.to_pem())
    key_path.chmod(0o600)
    args = ["verify", "--server", server, "--member", "watchdog", "--key", str(key_path)]
    result = CliRunner().invoke(audit, [*args, "--json"], catch_exceptions=False)
    report = json.loads(result.stdout)
    assert result.exit_code == 0, report
    assert report["statements"] == 2 and report["problems"] == []
