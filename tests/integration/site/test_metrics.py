"""/metrics over the test client: refused without the token, the expected series after
traffic, and never a hash value, a path as sent or a query string."""

from __future__ import annotations

import pytest

from clearinghouse.api import create_app
from tests.support import add_member, pdq_item, random_pdq

TOKEN = "s3cret-scrape-token"


@pytest.fixture
def metered(root):
    root.settings = root.settings.replace(metrics_token=TOKEN)
    app = create_app(root=root)
    return app.test_client()


def test_metrics_need_the_token(metered):
    assert metered.get("/metrics").status_code == 401
    bad = {"Authorization": "Bearer not-it"}
    assert metered.get("/metrics", headers=bad).status_code == 401
    assert metered.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_metrics_are_not_served_without_a_token(client):
    assert client.get("/metrics").status_code == 404


def test_metrics_after_traffic(db, metered):
    alice = add_member(db, metered, "alice")
    value, unknown = random_pdq(), random_pdq()
    assert alice.state("submission", [pdq_item(value), pdq_item(random_pdq())]).status_code == 201
    assert alice.state("submission", [pdq_item("zz")]).status_code == 400
    query = {"signal_type": "pdq", "value": value}
    assert alice.request("GET", "/v1/match", query=query).status_code == 200
    body = f'{{"queries": [{{"signal_type": "pdq", "value": "{unknown}"}}]}}'.encode()
    assert alice.request("POST", "/v1/match", body=body).status_code == 200
    metered.get("/log?before=1")
    answer = metered.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    text = answer.get_data(as_text=True)
    expected = [
        'clearinghouse_http_requests_total{method="POST",route="/v1/submissions",status="201"} 1.0',
        'clearinghouse_http_requests_total{method="POST",route="/v1/submissions",status="400"} 1.0',
        'clearinghouse_http_requests_total{method="GET",route="/log",status="200"} 1.0',
        'clearinghouse_http_request_duration_seconds_bucket{le="+Inf",method="GET",'
        'route="/v1/match"} 1.0',
        'clearinghouse_lookups_total{signal_type="pdq"} 2.0',
        'clearinghouse_matches_total{signal_type="pdq"} 1.0',
        'clearinghouse_statements_total{kind="submission",outcome="accepted"} 1.0',
        'clearinghouse_statements_total{kind="submission",outcome="refused"} 1.0',
        'clearinghouse_statement_items_total{kind="submission",outcome="accepted"} 2.0',
        'clearinghouse_statement_items_total{kind="submission",outcome="refused"} 1.0',
        'clearinghouse_index_signals{signal_type="pdq"} 2.0',
        "clearinghouse_index_follower_lag_entries 0.0",
    ]
    for line in expected:
        assert line in text, line
    assert "clearinghouse_log_size 2.0" in text  # the member, then the accepted submission
    assert "# TYPE clearinghouse_rate_limited_total counter" in text
    for secret in (value, unknown, "before=1", "zz"):
        assert secret not in text


def test_a_429_is_counted_as_a_rate_limit_refusal(db, metered):
    from clearinghouse.errors import ClearinghouseError

    class TooMany(ClearinghouseError):
        status, slug, title = 429, "rate-limited", "Too many requests"

    app = metered.application

    @app.get("/v1/test-429")
    def refuse():
        raise TooMany("slow down")

    assert metered.get("/v1/test-429").status_code == 429
    text = metered.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(
        as_text=True
    )
    assert 'clearinghouse_rate_limited_total{route="/v1/test-429"} 1.0' in text


def test_request_log_lines_are_json_without_hash_values(db, metered):
    import json
    import logging

    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(record.getMessage())

    log = logging.getLogger("clearinghouse.access")
    handler, level = Keep(), log.level
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        alice = add_member(db, metered, "alice")
        value = random_pdq()
        query = {"signal_type": "pdq", "value": value}
        assert alice.request("GET", "/v1/match", query=query).status_code == 200
        assert metered.get(f"/log?before=1&x={value}").status_code == 200
        assert metered.get("/no/such/page").status_code == 404
    finally:
        log.removeHandler(handler)
        log.setLevel(level)
    records = [json.loads(line) for line in lines]
    assert [(r["route"], r["status"], r["member"]) for r in records] == [
        ("/v1/match", 200, "alice"),
        ("/log", 200, None),
        ("unmatched", 404, None),
    ]
    assert all(r["duration_ms"] >= 0 and r["method"] == "GET" for r in records)
    assert not any(value in line or "before=" in line for line in lines)


def _series(metered) -> set[str]:
    text = metered.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(
        as_text=True
    )
    # The HTTP series only: index gauges appear once the indexes have loaded, in their time.
    return {
        line.rsplit(" ", 1)[0]
        for line in text.splitlines()
        if line.startswith("clearinghouse_http_")
    }


def test_invented_methods_and_paths_do_not_grow_the_series(metered):
    metered.get("/healthz")
    metered.open("/healthz", method="BREW")
    metered.get("/no/such/path-0")
    metered.open("/no/such/path-0", method="BREW")
    _series(metered)  # the scrape counts itself
    first = _series(metered)
    baseline = len(first)
    for n in range(60):  # bounded example count: 60 methods and 60 paths never seen before
        assert metered.open(f"/v1/x{n}", method=f"M{n}XYZ").status_code in {404, 405}
        assert metered.open("/healthz", method=f"Q{n}").status_code in {405}
        assert metered.get(f"/no/such/path-{n}?v={n}").status_code == 404
    series = _series(metered)
    assert len(series) == baseline, sorted(series - first)
    assert not any("XYZ" in s or "path-" in s for s in series)
    assert 'method="other"' in " ".join(series)
