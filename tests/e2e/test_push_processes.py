"""Webhook delivery by real ``clearinghouse serve`` processes: killed with SIGKILL in the
middle of a burst and started again, the server loses nothing (every change arrives, in
feed order, a delivery cut off re-sent with its ``webhook-id``); and two servers on one
PostgreSQL deliver each change once. Bounded by counts: statements, items, receivers."""

from __future__ import annotations

import os
import threading
import time

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook
from support import random_pdq

from clearinghouse.client import Client
from clearinghouse.crypto import SigningKey
from clearinghouse.services.use_cases import members
from clearinghouse.store.models import Signal
from tests.e2e.serve_process import ServerProcess
from tests.integration.push.receiver import Receiver

LABEL = "behaviour:glorification-of-terrorist-acts"
PUSH_ENV = {
    "CLEARINGHOUSE_WEBHOOK_ALLOW_HTTP_HOSTS": "127.0.0.1",
    "CLEARINGHOUSE_WEBHOOK_ALLOW_NETWORKS": "127.0.0.0/8",
    "CLEARINGHOUSE_WEBHOOK_BATCH_MAX": "10",  # many deliveries, so the kill falls between some
    "CLEARINGHOUSE_WEBHOOK_LEASE": "2",  # a killed process's claims run out soon
}
WAIT = 120  # seconds for everything to arrive before the test gives up


def _items(n: int) -> list[dict]:
    return [
        {"signal_type": "pdq", "value": random_pdq(), "quality": 90,
         "content_type": "image/jpeg", "labels": [LABEL]}
        for _ in range(n)
    ]  # fmt: skip


def _member(db, member_id: str, roles: str) -> SigningKey:
    key = SigningKey.generate()
    members.add_member(db, member_id, member_id.title(), roles, key.verify_key)
    return key


def _feed_order(db) -> list[str]:
    with db.read() as session:
        return list(session.scalars(select(Signal.value).order_by(Signal.updated_index, Signal.id)))


def _until(predicate, seconds: float = WAIT) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _deliveries(receiver: Receiver, secret: str) -> list[tuple[str, list[str]]]:
    """``(webhook-id, signal values)`` of every request in arrival order, each checked
    with the ``standardwebhooks`` library against the subscription's secret."""
    out = []
    with receiver.lock:
        got = list(receiver.requests)
    for request in got:
        headers = {k.lower(): v for k, v in request["headers"].items()}
        body = Webhook(secret).verify(request["body"], headers)
        events = body["data"]["events"] if body["type"] == "batch" else [body]
        out.append((headers["webhook-id"], [e["data"]["value"] for e in events]))
    return out


def _in_feed_order(deliveries: list[tuple[str, list[str]]]) -> list[str]:
    """The changes of the distinct deliveries, in the order each first arrived."""
    seen: dict[str, list[str]] = {}
    for webhook_id, values in deliveries:
        assert seen.setdefault(webhook_id, values) == values  # a re-send is the same delivery
    return [value for values in seen.values() for value in values]


def test_kill_9_during_a_burst_loses_no_change(db, settings):
    alpha = _member(db, "alpha", "submitter,matcher")
    bravo = _member(db, "bravo", "submitter,matcher")
    held, cut = Receiver(), Receiver()
    caught = threading.Event()
    cut_at = 4  # the request the server is killed in the middle of

    def hold(n: int):
        if n == cut_at:
            caught.set()
            time.sleep(8)  # the server is killed while waiting for this answer
        return 204, {}, b"", 0.02

    held.behave = hold
    server = ServerProcess(settings, **PUSH_ENV)
    server.start()
    try:
        with Client(server.url, "bravo", bravo, retries=0) as c:
            subs = [c.add_subscription(r.url) for r in (held, cut)]
        with Client(server.url, "alpha", alpha, retries=0) as c:
            for _ in range(12):
                c.submit(_items(25))
        submitted = _feed_order(db)
        assert len(submitted) == 300
        assert caught.wait(WAIT), "no delivery reached the held request"
        before = len(_deliveries(held, subs[0]["secret"]))
        server.kill()
        assert before == cut_at + 1  # mid-burst: deliveries were still to come
        server.start()

        def complete() -> bool:
            return all(
                set(_in_feed_order(_deliveries(r, s["secret"]))) >= set(submitted)
                for r, s in zip((held, cut), subs, strict=True)
            )

        assert _until(complete), "some changes never arrived after the restart"
    finally:
        server.stop()
        for r in (held, cut):
            r.close()
    for r, s in zip((held, cut), subs, strict=True):
        deliveries = _deliveries(r, s["secret"])
        assert _in_feed_order(deliveries) == submitted  # each once, in feed order
    cut_off = _deliveries(held, subs[0]["secret"])[cut_at]
    resent = [d for d in _deliveries(held, subs[0]["secret"])[cut_at + 1 :] if d == cut_off]
    assert resent, "the delivery cut off by the kill was not sent again with its webhook-id"


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"),
    reason="replicas share a PostgreSQL queue (FOR UPDATE SKIP LOCKED); SQLite is one host",
)
def test_two_servers_on_one_postgresql_deliver_each_change_once(db, settings):
    alpha = _member(db, "alpha", "submitter,matcher")
    bravo = _member(db, "bravo", "submitter,matcher")
    receivers = [Receiver() for _ in range(4)]
    servers = [ServerProcess(settings, **PUSH_ENV) for _ in range(2)]
    for server in servers:
        server.start()
    try:
        with Client(servers[0].url, "bravo", bravo, retries=0) as c:
            subs = [c.add_subscription(r.url) for r in receivers]
        for n in range(16):  # statements to either server, each delivering as it can
            with Client(servers[n % 2].url, "alpha", alpha, retries=0) as c:
                c.submit(_items(5))
        submitted = _feed_order(db)
        assert len(submitted) == 80

        def complete() -> bool:
            return all(
                sum(len(v) for _, v in _deliveries(r, s["secret"])) >= len(submitted)
                for r, s in zip(receivers, subs, strict=True)
            )

        assert _until(complete), "some changes never arrived"
        time.sleep(1.5)  # anything sent twice would have arrived by now
    finally:
        for server in servers:
            server.stop()
        for r in receivers:
            r.close()
    for r, s in zip(receivers, subs, strict=True):
        deliveries = _deliveries(r, s["secret"])
        assert len({webhook_id for webhook_id, _ in deliveries}) == len(deliveries)  # no re-send
        assert [v for _, values in deliveries for v in values] == submitted  # once, in order
