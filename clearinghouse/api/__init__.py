"""The web app: ``create_app(settings)`` builds it; nothing is built at import time."""

from __future__ import annotations

import io

from flask import Flask, g, request

from clearinghouse.bootstrap import Root, bootstrap
from clearinghouse.config import Settings, load_settings
from clearinghouse.errors import PayloadTooLarge
from clearinghouse.services.adapters.rate_limits import RateLimiter
from clearinghouse.services.read_models import health as health_checks

__all__ = ["create_app"]


def create_app(settings: Settings | None = None, *, root: Root | None = None) -> Flask:
    """A Flask app serving the clearinghouse for ``settings`` (default: from the
    environment), or over an already built ``root``."""
    from clearinghouse.api import health, site, site_signin
    from clearinghouse.api.metrics import init_metrics
    from clearinghouse.api.params import BoundedInt, check_query
    from clearinghouse.api.problems import register_problem_handlers

    if root is None:
        root = bootstrap(settings or load_settings())
    app = Flask(__name__)
    app.url_map.converters["int"] = BoundedInt
    app.config["MAX_CONTENT_LENGTH"] = root.settings.max_body_bytes
    app.json.sort_keys = False
    app.extensions["clearinghouse"] = root
    app.extensions["clearinghouse.rate_limiter"] = RateLimiter.from_settings(root.settings)
    register_problem_handlers(app)
    app.before_request(check_query)

    @app.after_request
    def _rate_limit_headers(response):
        decision = g.get("rate_limit")
        if decision is not None:
            response.headers.update(decision.headers())
        return response

    init_metrics(app)

    @app.before_request
    def _refuse_large_bodies():
        # Refuse on the declared length before reading a byte; MAX_CONTENT_LENGTH above
        # also stops chunked bodies that grow past the limit while being read.
        limit, name = root.settings.max_body_bytes, "CLEARINGHOUSE_MAX_BODY_BYTES"
        if request.path == "/v1/match":  # a lookup needs far less than a statement
            limit = min(limit, root.settings.max_match_body_bytes)
            name = "CLEARINGHOUSE_MAX_MATCH_BODY_BYTES"
        length = request.content_length
        if length is not None and length > limit:
            raise PayloadTooLarge(
                f"the request body is {length} bytes; the limit is {limit} bytes ({name})",
                limit=name,
            )
        if length is None and request.environ.get("wsgi.input_terminated"):
            # A chunked body: read one byte past the limit to tell "too large" from "just
            # fits" (werkzeug's own cap would silently cut it), then serve it as if sized.
            body = request.environ["wsgi.input"].read(limit + 1)
            if len(body) > limit:
                raise PayloadTooLarge(
                    f"the request body is over the limit of {limit} bytes ({name})", limit=name
                )
            request.environ["wsgi.input"] = io.BytesIO(body)
            request.environ["CONTENT_LENGTH"] = str(len(body))

    app.register_blueprint(health.bp)
    app.register_blueprint(site.bp)
    app.register_blueprint(site_signin.pages)
    for blueprint in _v1_blueprints():
        app.register_blueprint(blueprint, url_prefix="/v1")
    health_checks.head_revision_of(root.settings.effective_database_url)  # parsed once, now
    root.start()
    return app


def _v1_blueprints() -> list:
    from clearinghouse.api import (
        discovery,
        incidents,
        keys,
        log,
        match,
        openapi,
        releases,
        site_signin,
        statements,
        subscriptions,
        suppressions,
    )

    return [
        statements.bp,
        keys.bp,
        discovery.bp,
        log.bp,
        match.bp,
        openapi.bp,
        site_signin.v1,
        subscriptions.bp,
        suppressions.bp,
        incidents.bp,
        releases.bp,
    ]
