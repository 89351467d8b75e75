"""Shared fixtures: a migrated database per test (SQLite file, or the PostgreSQL database
named by TEST_DATABASE_URL), settings, the composition root and its parts, app and client."""

from __future__ import annotations

import logging
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, text

from clearinghouse.bootstrap import bootstrap
from clearinghouse.config import load_settings
from clearinghouse.store import migrate
from clearinghouse.store.models import Base

PG_URL = os.environ.get("TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory) -> str | Path:
    """A migrated database to start every test from."""
    if PG_URL:
        migrate.upgrade(PG_URL)
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        conn.execute(text("INSERT INTO log_head (id, size) VALUES (1, 0)"))
    engine.dispose()


@pytest.fixture
def database_url(_template_db, tmp_path) -> str:
    """A freshly migrated, empty database for one test."""
    if PG_URL:
        _reset_postgres(PG_URL)
        return PG_URL
    path = tmp_path / "clearinghouse.db"
    shutil.copy(_template_db, path)
    return f"sqlite:///{path}"


@pytest.fixture
def settings(database_url, tmp_path):
    return load_settings(environ={}, data_dir=tmp_path / "data", database_url=database_url)


@pytest.fixture
def root(settings):
    """The composition root of the test's process: what the app is wired from. Tests
    take the parts below, as the services do, not the root itself."""
    built = bootstrap(settings)
    yield built
    built.close()


@pytest.fixture
def db(root):
    return root.db


@pytest.fixture
def registry(root):
    return root.registry


@pytest.fixture
def directory(root):
    return root.directory


@pytest.fixture
def incident_board(root):
    return root.incidents


@pytest.fixture
def log_key(root):
    return root.log_key


@pytest.fixture
def matcher(root):
    return root.matcher


@pytest.fixture
def follower(root):
    return root.follower


@pytest.fixture
def statement_parts(root):
    """What accepting a statement uses, as the app wires it."""
    return root.statements


@pytest.fixture
def app(root):
    from clearinghouse.api import create_app

    app = create_app(root=root)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@contextmanager
def _served(wsgi_app) -> Iterator[str]:
    """``wsgi_app`` on 127.0.0.1 on a free port (a threaded WSGI server in this process)."""
    from werkzeug.serving import make_server

    # Tests assert on what commands print; request logs belong to the server, not to them.
    quiet = logging.getLogger("werkzeug")
    level, quiet.level = quiet.level, logging.WARNING
    httpd = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join()
        httpd.server_close()
        quiet.setLevel(level)


@pytest.fixture
def server(app):
    """The app served on a free local port; yields its base URL, for the SDK and the
    audit to talk HTTP to."""
    with _served(app) as url:
        yield url


@pytest.fixture
def other_log(settings, tmp_path):
    """Another server: its own (SQLite) database and data directory, so its own log and
    log key — what a URL may lead to after the operator moved. Its ``db``, ``app`` and
    test ``client``."""
    from clearinghouse.api import create_app

    url = f"sqlite:///{tmp_path / 'other-log.db'}"
    migrate.upgrade(url)
    other = bootstrap(settings.replace(database_url=url, data_dir=tmp_path / "other-data"))
    app = create_app(root=other)
    app.config["TESTING"] = True
    yield SimpleNamespace(db=other.db, app=app, client=app.test_client())
    other.close()


@pytest.fixture
def switched_server(app):
    """One URL in front of the app or another: yields ``(url, put_behind)``, where
    ``put_behind(other_app)`` makes the same URL lead to ``other_app`` from then on."""
    behind = [app]

    def dispatch(environ, start_response):
        return behind[0](environ, start_response)

    def put_behind(other_app) -> None:
        behind[0] = other_app

    with _served(dispatch) as url:
        yield url, put_behind
