"""Push tests: webhook delivery allowed to this machine's loopback receiver, and run by
the test (``deliver``) on a clock it moves, not by a background thread."""

from __future__ import annotations

import time

import pytest
from support import add_member

from clearinghouse.bootstrap import build_deliverer
from clearinghouse.config import load_settings
from clearinghouse.services.use_cases.webhook_delivery import Deliverer

from .receiver import Receiver

LOOPBACK = {"webhook_allow_http_hosts": ("127.0.0.1",), "webhook_allow_networks": ("127.0.0.0/8",)}


class Clock:
    """Starts at the real time (receivers check the signed timestamp), then moved by hand."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def settings(database_url, tmp_path):
    return load_settings(
        environ={},
        data_dir=tmp_path / "data",
        database_url=database_url,
        webhook_delivery=False,
        extra_labels=("incident:harbour-attack",),
        **LOOPBACK,
    )


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def deliverer(settings, db, clock):
    d = build_deliverer(settings, db, clock=clock)
    yield d
    d.stop()


def drain(deliverer: Deliverer, rounds: int = 50) -> int:
    """Run rounds until one attempts nothing; the deliveries attempted."""
    total = 0
    for _ in range(rounds):
        n = deliverer.run_once()
        total += n
        if not n:
            return total
    return total


@pytest.fixture
def members(db, client):
    """A submitter and a matcher subscriber."""
    return (
        add_member(db, client, "alpha", "submitter,matcher"),
        add_member(db, client, "bravo", "submitter,matcher"),
    )
