"""List answers bounded in bytes: log entry pages and the change feed stop at the budget,
say where the rest begins, and the auditor and the SDK follow them to the end."""

from __future__ import annotations

import base64
import json

import pytest
from support import add_member, pdq_item, random_pdq

from clearinghouse.client import Client
from clearinghouse.store.log import read_entries

BUDGET = 64 * 1024
STATEMENTS = 27


@pytest.fixture
def settings(settings):
    return settings.replace(max_list_bytes=BUDGET)


@pytest.fixture
def big_log(db, client):
    """27 statements of ~30 KB entries (two fit a page) and one larger than the budget."""
    alpha = add_member(db, client, "alpha", roles="submitter,matcher,auditor")
    for n in range(STATEMENTS):
        count = 400 if n == 13 else 70
        items = [pdq_item(random_pdq(), note="x" * 40) for _ in range(count)]
        assert alpha.state("submission", items).status_code == 201
    with db.read() as session:
        return alpha, read_entries(session, 0, 1_000)


def _entries_page(member, start, end):
    answer = member.request("GET", "/v1/log/entries", query={"start": start, "end": end})
    assert answer.status_code == 200, answer.get_json()
    return answer


def test_entry_pages_stay_under_the_budget_and_chain_to_the_end(big_log):
    alpha, stored = big_log
    assert len(stored) == STATEMENTS + 1
    assert sum(len(data) for _, data in stored) > 10 * BUDGET
    got, start, pages, alone = [], 0, 0, 0
    while start is not None:
        answer = _entries_page(alpha, start, 1_000)
        body = answer.get_json()
        entries = body["entries"]
        assert entries and entries[0]["index"] == start
        if len(entries) > 1:
            assert len(answer.data) <= BUDGET
        else:
            alone += len(answer.data) > BUDGET  # one entry bigger than the budget, served alone
        got += [(e["index"], base64.b64decode(e["data"])) for e in entries]
        nxt = body["next"]
        assert nxt is None or nxt == start + len(entries)
        start, pages = nxt, pages + 1
    assert got == stored
    assert pages > 10 and alone == 1


def test_a_page_ends_at_end_or_the_log_size_with_no_cursor(big_log):
    alpha, stored = big_log
    body = _entries_page(alpha, 0, 1).get_json()
    assert [e["index"] for e in body["entries"]] == [0] and body["next"] is None
    body = _entries_page(alpha, len(stored) - 1, 1_000).get_json()
    assert len(body["entries"]) == 1 and body["next"] is None
    body = _entries_page(alpha, 1, 3).get_json()
    assert [e["index"] for e in body["entries"]] == [1, 2] and body["next"] is None


def test_the_sdk_and_the_auditor_follow_the_pages(db, big_log, auditor, server):
    with db.read() as session:
        stored = read_entries(session, 0, 1_000)  # now with the auditor's member_added
    assert len(stored) == STATEMENTS + 2
    with Client(server, auditor.member, auditor.key_path) as sdk:
        assert sdk.log_entries(0, len(stored)) == stored
    code, report = auditor.verify()
    assert code == 0, report
    assert report["checked"] == report["size"] == len(stored)
    assert report["statements"] == STATEMENTS


def test_the_feed_stays_under_the_budget_and_lists_every_signal_once(big_log):
    alpha, _ = big_log
    seen, after, pages = [], None, 0
    while True:
        query = {"after": after} if after else None
        answer = alpha.request("GET", "/v1/signals", query=query)
        assert answer.status_code == 200
        body = answer.get_json()
        if not body["signals"]:
            break
        assert len(answer.data) <= BUDGET
        seen += [s["signal_id"] for s in body["signals"]]
        assert body["next"] != after
        after, pages = body["next"], pages + 1
    assert sorted(seen) == sorted(set(seen)) and len(seen) == 26 * 70 + 400
    assert pages > 10
    assert json.loads(answer.data)["next"] == after  # caught up: the cursor stays put
