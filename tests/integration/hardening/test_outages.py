"""Outages: a real Redis stopped and started again, a database that refuses connections
and comes back. Requests are 503 problem+json with a generic detail, /readyz fails, and
the service recovers by itself when the dependency is back."""

from __future__ import annotations

import contextlib
import os
import socket
import threading

import pytest
from conftest import free_port
from support import TestMember as Signer
from support import add_member

from clearinghouse.config import load_settings
from clearinghouse.crypto import SigningKey

PROBLEM = "application/problem+json"
CLOSED_PG = "postgresql+psycopg://nobody:secret@127.0.0.1:{port}/secretdb?connect_timeout=1"
LEAKS = ("127.0.0.1", "6379", "5432", "redis://", "psycopg", "secretdb", "nobody", "connection")


def _generic(answer) -> None:
    assert answer.status_code == 503, answer.get_data(as_text=True)
    assert answer.mimetype == PROBLEM
    text = answer.get_data(as_text=True).lower()
    for leak in LEAKS:
        assert leak not in text, leak


def _ready(app) -> None:
    assert app.extensions["clearinghouse"].matcher.ready.wait(30)


def test_redis_down_is_503_and_recovers_without_restart(settings, app_for, redis_server):
    app = app_for(settings.replace(redis_url=redis_server.url))
    client = app.test_client()
    alpha = add_member(app.extensions["clearinghouse"].db, client, "alpha")
    _ready(app)
    assert alpha.request("GET", "/v1/signals").status_code == 200
    assert client.get("/readyz").status_code == 200

    redis_server.stop()
    answer = alpha.request("GET", "/v1/signals")
    _generic(answer)
    assert str(redis_server.port) not in answer.get_data(as_text=True)
    ready = client.get("/readyz")
    _generic(ready)
    assert "redis" in ready.json["detail"]

    redis_server.start()  # same port, empty: the service reconnects on its own
    assert alpha.request("GET", "/v1/signals").status_code == 200
    assert client.get("/readyz").status_code == 200


@pytest.mark.parametrize("path", ["/readyz", "/v1/log/checkpoint", "/v1/signals"])
def test_a_database_refusing_connections_is_a_generic_503(tmp_path, app_for, path):
    url = CLOSED_PG.format(port=free_port())
    app = app_for(load_settings(environ={}, data_dir=tmp_path, database_url=url))
    stranger = Signer("alpha", SigningKey.generate(), app.test_client())
    _generic(stranger.request("GET", path))


class Proxy:
    """A TCP relay to PostgreSQL that can refuse connections (``down``) and come back."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.up = True
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            self.conns = [c for c in self.conns if c.fileno() != -1]
            server = socket.create_connection(self.target)
            self.conns += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()

    def down(self) -> None:
        self.up = False
        for s in self.conns:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()
        self.conns = []

    def close(self) -> None:
        self.down()
        self.listener.close()


def test_the_database_coming_back_is_picked_up_without_restart(settings, app_for, tmp_path):
    """PostgreSQL through a relay that drops and refuses connections; SQLite by taking its
    file away (a directory in its place) and putting it back."""
    url = settings.effective_database_url
    proxy = None
    if url.startswith("postgresql"):
        from sqlalchemy.engine import make_url

        real = make_url(url)
        proxy = Proxy((real.host or "127.0.0.1", real.port or 5432))
        settings = settings.replace(
            database_url=real.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
        )
    app = app_for(settings)
    client = app.test_client()
    root = app.extensions["clearinghouse"]
    alpha = add_member(root.db, client, "alpha")
    _ready(app)
    assert client.get("/readyz").status_code == 200
    path = root.db.engine.url.database
    try:
        if proxy is not None:
            proxy.down()
        else:
            root.db.engine.dispose()
            os.rename(path, tmp_path / "db-away")
            os.mkdir(path)
        _generic(client.get("/readyz"))
        _generic(alpha.request("GET", "/v1/signals"))
    finally:
        if proxy is not None:
            proxy.up = True
        else:
            os.rmdir(path)
            os.rename(tmp_path / "db-away", path)
    assert client.get("/readyz").status_code == 200
    assert alpha.request("GET", "/v1/signals").status_code == 200
    if proxy is not None:
        root.close()
        proxy.close()
