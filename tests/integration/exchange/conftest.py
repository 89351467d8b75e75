"""A live server on a loopback port and the exchange as one member of it."""

from __future__ import annotations

import pytest
from support import add_member

from clearinghouse.client import Client
from clearinghouse.exchange import ClearinghouseCollabConfig, ClearinghouseSignalExchangeAPI


@pytest.fixture
def members(db, client):
    """Two submitting members (through the test client) and a reader for the exchange."""
    return {name: add_member(db, client, name) for name in ("alpha", "bravo", "reader")}


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
