"""The web app: ``create_app(settings)`` builds it; nothing is built at import time."""

from __future__ import annotations

from flask import Flask, request

from clearinghouse.bootstrap import Root, bootstrap
from clearinghouse.config import Settings, load_settings
from clearinghouse.errors import PayloadTooLarge

__all__ = ["create_app"]


def create_app(settings: Settings | None = None, *, root: Root | None = None) -> Flask:
    """A Flask app serving the clearinghouse for ``settings`` (default: from the
    environment), or over an already built ``root``."""
    from clearinghouse.api import health, site, site_signin
    from clearinghouse.api.metrics import init_metrics
    from clearinghouse.api.problems import register_problem_handlers

    if root is None:
        root = bootstrap(settings or load_settings())
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = root.settings.max_body_bytes
    app.json.sort_keys = False
    app.extensions["clearinghouse"] = root
    register_problem_handlers(app)
    init_metrics(app)

    @app.before_request
    def _refuse_large_bodies():
        # Refuse on the declared length before reading a byte; MAX_CONTENT_LENGTH above
        # also stops chunked bodies that grow past the limit while being read.
        length = request.content_length
        if length is not None and length > root.settings.max_body_bytes:
            raise PayloadTooLarge(
                f"the request body is {length} bytes; the limit is "
                f"{root.settings.max_body_bytes} bytes"
            )

    app.register_blueprint(health.bp)
    app.register_blueprint(site.bp)
    app.register_blueprint(site_signin.pages)
    for blueprint in _v1_blueprints():
        app.register_blueprint(blueprint, url_prefix="/v1")
    root.start()
    return app


def _v1_blueprints() -> list:
    from clearinghouse.api import discovery, keys, log, match, openapi, site_signin, statements

    return [statements.bp, keys.bp, discovery.bp, log.bp, match.bp, openapi.bp, site_signin.v1]
