"""A lookup, hit or miss, makes no database call: signal states, member keys and the
replay check all live in the process (SQL statements counted on the request's thread)."""

import json
import threading

import pytest
from sqlalchemy import event
from support import add_member, pdq_item, random_pdq

from clearinghouse.services.adapters.replay import table_replay_cache


@pytest.fixture
def statements(root, tmp_path):
    """The SQL statements the calling thread issues while the test runs."""
    # The embedded replay table, as the default SQLite deployment has (PostgreSQL
    # deployments use Redis); the database-backed cache is the fallback for neither.
    root.replay = table_replay_cache(tmp_path / "replay.table", 4096)
    seen: list[str] = []
    me = threading.get_ident()

    def record(conn, cursor, statement, parameters, context_, executemany):
        if threading.get_ident() == me:
            seen.append(statement)

    event.listen(root.db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(root.db.engine, "before_cursor_execute", record)


def test_matched_and_unmatched_lookups_issue_no_sql(db, client, statements):
    alpha, bravo = add_member(db, client, "alpha"), add_member(db, client, "bravo")
    hit, miss = random_pdq(), random_pdq()
    assert alpha.state("submission", [pdq_item(hit)]).status_code == 201
    assert bravo.state("submission", [pdq_item(hit)]).status_code == 201
    feedback = [{"signal_type": "pdq", "value": hit, "verdict": "disagree", "reason": "x"}]
    assert bravo.state("feedback", feedback).status_code == 201
    get = {"signal_type": "pdq", "value": hit}
    post = json.dumps({"queries": [get, {"signal_type": "pdq", "value": miss}]}).encode()
    warm = alpha.request("GET", "/v1/match", query=get)  # catches up after its own writes
    assert warm.status_code == 200
    statements.clear()

    got = alpha.request("GET", "/v1/match", query=get)
    posted = bravo.request("POST", "/v1/match", body=post)
    missed = alpha.request("GET", "/v1/match", query={"signal_type": "pdq", "value": miss})

    assert statements == []
    assert got.status_code == posted.status_code == missed.status_code == 200
    (match,) = got.json["results"][0]["matches"]
    assert match["contributors"] == 2 and match["confirmed"] is True
    assert match["disputed"] is True
    assert posted.json["results"][0] == got.json["results"][0]
    assert posted.json["results"][1] == missed.json["results"][0] == {"matches": []}
