"""The incidents' pages and their part of the report: declared, updated and concluded
times, time to the first hash, new signals by type over time, contributing members and
corroborations, counted from the contributions carrying the incident's label only, and
never a hash value or a region."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime

import pytest
from support import add_member, pdq_item, random_pdq

from clearinghouse.client.statements import sign_incident
from clearinghouse.services.read_models import incident_figures, report
from clearinghouse.wire import ENDPOINTS

SLUG = "harbour-attack"
LABEL = f"incident:{SLUG}"


def act(member, action, slug=SLUG, title="", summary=""):
    body = sign_incident(member.id, action, slug, member.key, title=title, summary=summary)
    answer = member.request("POST", ENDPOINTS["incident"], body=body.to_json())
    assert answer.status_code == 201, answer.json
    return answer.json["incident"]


@pytest.fixture
def incident(db, client):
    """gifct declares; alice shares two PDQs (one with regions) and an MD5 under the
    label and one PDQ without it; bob corroborates one of alice's and adds his own."""
    gifct = add_member(db, client, "gifct", "coordinator")
    alice = add_member(db, client, "alice")
    bob = add_member(db, client, "bob", roles="submitter,matcher")
    declared = act(gifct, "declare", title="Harbour attack", summary="livestream, 14:02")
    labels = [LABEL, "behaviour:glorification-of-terrorist-acts"]
    values = [random_pdq() for _ in range(4)]
    regions = [{"pdq": random_pdq(), "quality": 80} for _ in range(3)]
    md5 = {"signal_type": "md5", "value": "ab" * 16, "content_type": "video/mp4",
           "labels": [LABEL]}  # fmt: skip
    first = alice.state(
        "submission",
        [pdq_item(values[0], labels), pdq_item(values[1], labels, regions=regions), md5,
         pdq_item(values[2])],
    )  # fmt: skip
    assert first.status_code == 201, first.json
    second = bob.state("submission", [pdq_item(values[0], [LABEL]), pdq_item(values[3], [LABEL])])
    assert second.status_code == 201, second.json
    hidden = [*values, md5["value"], *(r["pdq"] for r in regions)]
    return {"gifct": gifct, "declared": declared, "hidden": hidden}


def test_the_figures_count_what_was_shared_under_the_label(db, incident):
    shown = incident_figures.incident_page(db, SLUG)
    assert (shown["title"], shown["status"], shown["declared_by"]) == (
        "Harbour attack", "active", "gifct",
    )  # fmt: skip
    assert shown["declared"] == incident["declared"]["declared"] and shown["concluded"] is None
    assert shown["signals"] == 4 and shown["signals_by_type"] == {"md5": 1, "pdq": 3}
    assert shown["contributions"] == 5 and shown["corroborations"] == 1
    assert [(m["member"], m["contributions"], m["corroborations"]) for m in shown["members"]] == [
        ("alice", 3, 0),
        ("bob", 2, 1),
    ]
    declared, first = (datetime.fromisoformat(shown[k]) for k in ("declared", "first_hash"))
    assert first >= declared
    assert shown["seconds_to_first_hash"] == int((first - declared).total_seconds())
    timeline = shown["timeline"]
    assert timeline["unit"] == "hour" and timeline["types"] == ["md5", "pdq"]
    assert {t: sum(n) for t, n in timeline["new_signals"].items()} == {"md5": 1, "pdq": 3}
    assert len(timeline["periods"]) == len(timeline["new_signals"]["pdq"]) >= 1


def test_the_pages_show_times_chart_and_members_but_no_hash_or_region(client, incident):
    listing = client.get("/incidents")
    assert listing.status_code == 200 and listing.mimetype == "text/html"
    page = listing.get_data(as_text=True)
    assert f'href="/incidents/{SLUG}"' in page and "Harbour attack" in page
    assert incident["declared"]["declared"] in page
    answer = client.get(f"/incidents/{SLUG}")
    assert answer.status_code == 200
    assert "default-src 'none'" in answer.headers["Content-Security-Policy"]
    page = answer.get_data(as_text=True)
    assert "<svg" in page and "livestream, 14:02" in page
    bars = re.findall(r'<rect class="s(\d+)" fill="(#[0-9a-f]{6})"', page)
    assert {s for s, _ in bars} == {"0", "1"}  # md5 and pdq, one colour each
    assert len({fill for _, fill in bars}) == 2
    assert "md5</span>" in page and "pdq</span>" in page  # the legend
    assert "not yet" in page  # not concluded
    for value in incident["hidden"]:
        assert value not in page
    assert "<script>" not in page and "style=" not in page


def test_concluding_shows_the_conclusion_everywhere(client, db, incident):
    concluded = act(incident["gifct"], "conclude")
    page = client.get(f"/incidents/{SLUG}").get_data(as_text=True)
    assert concluded["concluded"] in page and "concluded" in page
    assert concluded["concluded"] in client.get("/incidents").get_data(as_text=True)


def test_the_report_and_its_csv_carry_each_incident(client, db, settings, incident):
    figures = report.report(db, settings.confirm_threshold, fresh=True)
    [shown] = figures["incidents"]
    assert shown == incident_figures.incident_page(db, SLUG)
    page = client.get("/report").get_data(as_text=True)
    assert f'href="/incidents/{SLUG}"' in page
    table = list(csv.DictReader(io.StringIO(client.get("/report.csv").get_data(as_text=True))))
    assert all(len(row) == 5 and None not in row.values() for row in table)

    def rows(section):
        return [r for r in table if r["section"] == section]

    [declared] = rows("incident_declared")
    assert (declared["key"], declared["time"]) == (SLUG, shown["declared"])
    by_type = {r["key"]: int(r["count"]) for r in rows("incident_signals_by_type")}
    assert by_type == {f"{SLUG}/md5": 1, f"{SLUG}/pdq": 3}
    over_time = rows("incident_new_signals")
    assert sum(int(r["count"]) for r in over_time) == 4
    assert all(r["time"] in shown["timeline"]["period_starts"] for r in over_time)
    [corroborations] = rows("incident_corroborations")
    assert int(corroborations["count"]) == 1
    [seconds] = rows("incident_seconds_to_first_hash")
    assert int(seconds["count"]) == shown["seconds_to_first_hash"]
    members = {r["key"]: int(r["count"]) for r in rows("incident_member_contributions")}
    assert members == {f"{SLUG}/alice": 3, f"{SLUG}/bob": 2}
    assert not any(value in str(table) for value in incident["hidden"])


def test_an_incident_with_no_hash_yet_says_so(client, db):
    gifct = add_member(db, client, "gifct", "coordinator")
    act(gifct, "declare", slug="quiet-one", title="Quiet")
    shown = incident_figures.incident_page(db, "quiet-one")
    assert shown["first_hash"] is None and shown["signals"] == 0 and shown["members"] == []
    page = client.get("/incidents/quiet-one").get_data(as_text=True)
    assert "none yet" in page and "No hash carries this label yet." in page
    assert 'href="/incidents/quiet-one"' in client.get("/report").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/incidents/never-declared", "/incidents/Not%20A%20Slug"])
def test_an_unknown_incident_is_a_404_page(client, incident, path):
    answer = client.get(path)
    assert answer.status_code == 404 and answer.mimetype == "text/html"
