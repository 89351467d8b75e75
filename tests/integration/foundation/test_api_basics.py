"""The web app's frame: health, readiness, and problem+json for every error."""

import re

import pytest

PROBLEM = "application/problem+json"


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json == {"status": "ok"}


def test_readyz_reports_database_migrations_and_indexes(app, client):
    app.extensions["clearinghouse"].matcher.ready.wait(30)
    r = client.get("/readyz")
    assert r.status_code == 200, r.json
    checks = r.json["checks"]
    assert checks["database"]["ok"] and checks["migrations"]["ok"] and checks["indexes"]["ok"]


def test_readyz_is_503_while_indexes_load(app, client):
    matcher = app.extensions["clearinghouse"].matcher
    matcher.ready.wait(30)
    matcher.ready.clear()  # as during a load
    r = client.get("/readyz")
    assert r.status_code == 503
    assert "indexes" in r.json["detail"]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("get", "/nope", 404), ("get", "/v1/nope", 404), ("post", "/healthz", 405)],
)
def test_http_errors_are_problems(client, method, path, status):
    r = getattr(client, method)(path)
    assert r.status_code == status
    assert r.mimetype == PROBLEM
    body = r.json
    assert body["status"] == status
    assert set(body) >= {"type", "title", "status", "detail"}


def test_body_over_the_limit_is_413_before_reading(app, client):
    limit = app.extensions["clearinghouse"].settings.max_body_bytes
    r = client.post("/healthz", data=b"x" * (limit + 1), content_type="application/json")
    assert r.status_code == 413
    assert r.mimetype == PROBLEM
    assert str(limit) in r.json["detail"]


def test_unexpected_errors_are_500_problems_without_traceback(app):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    r = app.test_client().get("/boom")
    assert r.status_code == 500
    assert r.mimetype == PROBLEM
    assert "secret" not in r.get_data(as_text=True)
    assert "Traceback" not in r.get_data(as_text=True)


def test_readyz_is_503_when_the_database_is_unreachable(tmp_path):
    from clearinghouse.api import create_app
    from clearinghouse.config import load_settings

    settings = load_settings(
        environ={},
        data_dir=tmp_path,
        database_url="postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1",
    )
    app = create_app(settings)
    r = app.test_client().get("/readyz")
    app.extensions["clearinghouse"].close()
    assert r.status_code == 503
    assert r.mimetype == PROBLEM
    assert "database" in r.json["detail"]


def test_openapi_document_is_public_and_lists_every_route(app, client):
    r = client.get("/v1/openapi.json")
    assert r.status_code == 200
    paths = set(r.json["paths"])
    routes = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for rule in app.url_map.iter_rules()
        if not rule.endpoint.endswith("static") and rule.rule not in ("/healthz", "/readyz")
    }
    assert routes - {"/metrics"} == paths - {"/metrics"}
