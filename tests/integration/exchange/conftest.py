"""A live server on a loopback port and the exchange as one member of it."""

from __future__ import annotations

import threading

import pytest
from support import add_member
from werkzeug.serving import make_server

from clearinghouse.client import Client
from clearinghouse.exchange import ClearinghouseCollabConfig, ClearinghouseSignalExchangeAPI


@pytest.fixture
def server(app):
    """The app served on 127.0.0.1 on a free port; yields its base URL."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join()
    httpd.server_close()


@pytest.fixture
def members(context, client):
    """Two submitting members (through the test client) and a reader for the exchange."""
    return {name: add_member(context, client, name) for name in ("alpha", "bravo", "reader")}


@pytest.fixture
def exchange(server, members):
    """``exchange(**config)`` → the exchange API for the member ``reader``."""
    made = []

    def make(page_size: int = 1_000, **config) -> ClearinghouseSignalExchangeAPI:
        collab = ClearinghouseCollabConfig(
            name="ch", api="clearinghouse", enabled=True, server_url=server, **config
        )
        client = Client(server, "reader", members["reader"].key, retries=0)
        made.append(client)
        return ClearinghouseSignalExchangeAPI(collab, client, page_size=page_size)

    yield make
    for client in made:
        client.close()
