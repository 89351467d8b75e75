"""Rate limits per member and class: 429 problem+json with Retry-After and the IETF
RateLimit fields, counted per process, or in a real Redis shared by processes."""

from __future__ import annotations

import json

from support import add_member, random_pdq

from clearinghouse.services.adapters.rate_limits import endpoint_class
from clearinghouse.store.log import log_size


def _size(root):
    with root.db.read() as session:
        return log_size(session)


def test_classes_follow_the_request():
    assert endpoint_class("GET", "/v1/match") == "lookups"
    assert endpoint_class("GET", "/v1/signals") == "lookups"
    assert endpoint_class("POST", "/v1/match") == "lookups"
    assert endpoint_class("POST", "/v1/submissions") == "statements"
    assert endpoint_class("DELETE", "/v1/keys/abc") == "statements"
    assert endpoint_class("GET", "/v1/log/entries") == "log"


def test_over_the_quota_is_429_with_retry_after_and_ratelimit_fields(settings, app_for):
    app = app_for(settings.replace(rate_limit_lookups=3, rate_limit_window=3600))
    client = app.test_client()
    root = app.extensions["clearinghouse"]
    alpha = add_member(root.db, client, "alpha")
    bravo = add_member(root.db, client, "bravo")
    for left in (2, 1, 0):
        r = alpha.request("GET", "/v1/signals")
        assert r.status_code == 200
        assert r.headers["RateLimit-Policy"] == '"lookups";q=3;w=3600'
        assert r.headers["RateLimit"].startswith(f'"lookups";r={left};t=')
    r = alpha.request("GET", "/v1/signals")
    assert r.status_code == 429
    assert r.headers["Content-Type"] == "application/problem+json"
    assert r.json["status"] == 429 and r.json["type"].endswith("/rate-limited")
    retry = int(r.headers["Retry-After"])
    assert 0 < retry <= 3600
    assert r.headers["RateLimit"] == f'"lookups";r=0;t={retry}'
    # Another member, and another class of the same member, have their own quotas.
    assert bravo.request("GET", "/v1/signals").status_code == 200
    r = alpha.request("GET", "/v1/log/proof/consistency", query={"first": 0, "second": 0})
    assert r.status_code != 429 and r.headers["RateLimit-Policy"].startswith('"log";')


def test_a_refused_statement_changes_nothing(settings, app_for):
    app = app_for(settings.replace(rate_limit_statements=1, rate_limit_window=3600))
    client = app.test_client()
    root = app.extensions["clearinghouse"]
    alpha = add_member(root.db, client, "alpha")
    item = {
        "signal_type": "pdq",
        "value": random_pdq(),
        "quality": 90,
        "content_type": "image/jpeg",
        "labels": ["behaviour:glorification-of-terrorist-acts"],
    }
    assert alpha.state("submission", [item]).status_code == 201
    before = _size(root)
    item2 = {**item, "value": random_pdq()}
    r = alpha.state("submission", [item2])
    assert r.status_code == 429
    assert _size(root) == before


def test_redis_shares_the_quota_between_processes(settings, app_for, redis_server):
    shared = settings.replace(
        redis_url=redis_server.url, rate_limit_lookups=4, rate_limit_window=3600
    )
    one, two = app_for(shared), app_for(shared)
    root = one.extensions["clearinghouse"]
    alpha_one = add_member(root.db, one.test_client(), "alpha")
    alpha_two = type(alpha_one)("alpha", alpha_one.key, two.test_client())
    answers = [
        (alpha_one if i % 2 else alpha_two).request("GET", "/v1/signals").status_code
        for i in range(6)
    ]
    assert answers == [200, 200, 200, 200, 429, 429]
    r = alpha_one.request("GET", "/v1/signals")
    assert json.loads(r.data)["status"] == 429


def _batch(n: int) -> bytes:
    queries = [{"signal_type": "pdq", "value": random_pdq()} for _ in range(n)]
    return json.dumps({"queries": queries}).encode()


def test_every_query_of_a_batch_counts_against_the_lookup_quota(settings, app_for):
    app = app_for(settings.replace(rate_limit_lookups=10, rate_limit_window=3600))
    client = app.test_client()
    alpha = add_member(app.extensions["clearinghouse"].db, client, "alpha")
    r = alpha.request("POST", "/v1/match", body=_batch(8))
    assert r.status_code == 200
    assert r.headers["RateLimit"].startswith('"lookups";r=2;t=')
    r = alpha.request("POST", "/v1/match", body=_batch(3))
    assert r.status_code == 429
    assert r.headers["Retry-After"]
    assert alpha.request("GET", "/v1/signals").status_code == 429


def test_batch_costs_are_shared_through_redis(settings, app_for, redis_server):
    shared = settings.replace(
        redis_url=redis_server.url, rate_limit_lookups=10, rate_limit_window=3600
    )
    one, two = app_for(shared), app_for(shared)
    alpha_one = add_member(one.extensions["clearinghouse"].db, one.test_client(), "alpha")
    alpha_two = type(alpha_one)("alpha", alpha_one.key, two.test_client())
    assert alpha_one.request("POST", "/v1/match", body=_batch(6)).status_code == 200
    assert alpha_two.request("POST", "/v1/match", body=_batch(5)).status_code == 429
