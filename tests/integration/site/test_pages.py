"""The transparency site's pages over the test client: content, privacy of hash values,
security headers, bad input answered with error pages, and the report's figures."""

from __future__ import annotations

import csv
import io

import pytest

from clearinghouse.services.read_models import report

PAGES = ["/", "/log", "/log/0", "/members", "/report"]


@pytest.mark.parametrize("path", PAGES)
def test_public_pages_render_without_hash_values(client, populated, path):
    answer = client.get(path)
    assert answer.status_code == 200
    assert answer.mimetype == "text/html"
    csp = answer.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    page = answer.get_data(as_text=True)
    for value in populated["values"]:
        assert value not in page
    assert "found on a forum" not in page
    assert "<script>" not in page and "style=" not in page  # nothing inline: the CSP forbids it


def test_log_shows_every_entry_with_a_proof_and_pages(client, populated, db):
    page = client.get("/log").get_data(as_text=True)
    from clearinghouse.store.log import log_size

    with db.read() as session:
        size = log_size(session)
    assert page.count('data-verify="pending" data-index=') == size
    assert f"/log/{populated['submission_index']}" in page
    assert client.get("/log?before=2").get_data(as_text=True).count("data-index=") == 2


def test_entry_page_names_the_member_and_item_count(client, populated):
    page = client.get(f"/log/{populated['submission_index']}").get_data(as_text=True)
    assert "alice" in page and "3 items" in page
    assert "glorification-of-terrorist-acts" in page  # labels are public


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/log?before=-1", 400),
        ("/log?before=abc", 400),
        ("/log?before=99999", 400),
        ("/log/99999", 404),
        ("/signals/1", 403),
        ("/site/signin?token=nonsense", 401),
        ("/site/signin", 400),
        ("/site/proof/consistency?first=0&second=1", 400),
        ("/site/proof/consistency?first=3", 400),
    ],
)
def test_bad_input_is_a_clear_error_not_a_crash(client, populated, path, status):
    answer = client.get(path)
    assert answer.status_code == status
    if path.startswith("/site/proof"):
        assert answer.mimetype == "application/problem+json"
    else:
        assert answer.mimetype == "text/html"
        assert "Content-Security-Policy" in answer.headers


def test_a_retracted_signal_is_not_counted_as_disputed(client, populated, db, settings):
    alice, bob, values = populated["alice"], populated["bob"], populated["values"]
    disputed = bob.state(
        "feedback",
        [{"signal_type": "pdq", "value": values[2], "verdict": "disagree", "reason": "cartoon"}],
    )
    assert disputed.status_code == 201, disputed.get_json()  # on the retracted signal
    figures = report.report(db, settings.confirm_threshold, fresh=True)
    assert figures["states"]["disputed"] == 1  # values[1] only
    gone = alice.state(
        "retraction", [{"signal_type": "pdq", "value": values[1], "reason": "mistaken"}]
    )
    assert gone.status_code == 201, gone.get_json()
    figures = report.report(db, settings.confirm_threshold, fresh=True)
    assert figures["states"] == {"active": 1, "retracted": 2, "confirmed": 1, "disputed": 0}


def test_report_counts_what_happened(client, populated, db, settings):
    figures = report.report(db, settings.confirm_threshold, fresh=True)
    assert figures["states"] == {"active": 2, "retracted": 1, "confirmed": 1, "disputed": 1}
    activity = list(figures["activity"].values())
    assert sum(a["submitted"] for a in activity) == 4
    assert sum(a["corroborated"] for a in activity) == 1
    assert sum(a["retracted"] for a in activity) == 1
    assert figures["label_families"] == {"behaviour": 3}
    (by_month,) = figures["label_families_by_month"].values()
    assert set(by_month) == set(figures["months"]) and sum(by_month.values()) == 3
    members = {m["member"]: m for m in figures["members"]}
    assert (members["alice"]["contributions"], members["alice"]["retracted"]) == (3, 1)
    assert members["bob"]["feedback"] == 1
    page = client.get("/report").get_data(as_text=True)
    assert "<svg" in page and "<rect" in page
    answer = client.get("/report.csv")
    assert answer.mimetype == "text/csv"
    table = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    now = {r["key"]: int(r["count"]) for r in table if r["section"] == "signals_now"}
    assert now == figures["states"]
    assert sum(int(r["count"]) for r in table if r["section"] == "signals_by_type") == 3
    families = [r for r in table if r["section"] == "label_family"]
    assert {r["month"] for r in families} == set(figures["months"])
    assert sum(int(r["count"]) for r in families) == 3
    assert "Label families by month contributed" in page


def test_the_retraction_reason_is_in_the_signal_history(client, populated, db):
    from clearinghouse.services.read_models import site_pages

    signal_id = populated["signal_ids"][2]  # retracted by alice: "mistaken"
    viewer = site_pages.Viewer(member="alice", roles=frozenset({"auditor"}))
    page = site_pages.signal_page(db, signal_id, viewer)
    [event] = [e for e in page["events"] if e["what"] == "retracted"]
    assert event["note"] == "mistaken" and event["member"] == "alice"
    mine = populated["alice"].request("GET", f"/v1/signals/{signal_id}").get_json()
    assert mine["your_contribution"]["status"] == "retracted"
    assert mine["your_contribution"]["retraction_reason"] == "mistaken"
