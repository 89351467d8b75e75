"""/metrics of a real ``clearinghouse serve`` with two worker processes: the counts of
both workers add up, the scrape needs the token, the separate listener serves the same
figures, and neither ever shows a hash value or a query string."""

from __future__ import annotations

import re
import socket

import requests

from clearinghouse.client import Client
from clearinghouse.store.log import log_size
from tests.support import add_member, pdq_item, random_pdq

TOKEN = "e2e-scrape-token"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _value(text: str, series: str) -> float:
    found = re.search(re.escape(series) + r" ([0-9.e+]+)", text)
    assert found, series
    return float(found.group(1))


def test_metrics_of_two_workers(start_server, db, client, tmp_path):
    alice = add_member(db, client, "alice")
    key_file = tmp_path / "alice.key"
    key_file.write_bytes(alice.key.to_pem())
    listen = _free_port()
    url = start_server(
        workers=2,
        CLEARINGHOUSE_METRICS_TOKEN=TOKEN,
        CLEARINGHOUSE_METRICS_LISTEN=f"127.0.0.1:{listen}",
    )
    value = random_pdq()
    requests_made = 12
    with Client(url, "alice", key_file) as member:
        member.submit([pdq_item(value)])
        for _ in range(requests_made):
            member.match_one("pdq", value)
    assert requests.get(url + "/metrics", timeout=10).status_code == 401
    auth = {"Authorization": f"Bearer {TOKEN}"}
    scraped = requests.get(url + "/metrics", headers=auth, timeout=10)
    assert scraped.status_code == 200
    text = scraped.text
    route = 'clearinghouse_http_requests_total{method="GET",route="/v1/match",status="200"}'
    assert _value(text, route) == requests_made  # both workers' counts, added up
    assert _value(text, 'clearinghouse_lookups_total{signal_type="pdq"}') == requests_made
    assert _value(text, 'clearinghouse_matches_total{signal_type="pdq"}') == requests_made
    with db.read() as session:
        assert _value(text, "clearinghouse_log_size") == log_size(session)
    accepted = 'clearinghouse_statements_total{kind="submission",outcome="accepted"}'
    assert _value(text, accepted) == 1
    assert _value(text, 'clearinghouse_index_signals{signal_type="pdq"}') == 1
    assert _value(text, "clearinghouse_index_follower_lag_entries") == 0
    assert "clearinghouse_http_request_duration_seconds_bucket" in text
    assert value not in text and "signal_type=pdq&" not in text
    separate = requests.get(f"http://127.0.0.1:{listen}/metrics", timeout=10)
    assert separate.status_code == 200
    assert _value(separate.text, route) == requests_made
    assert value not in separate.text
