"""Two server processes on one database (two roots, each with its own engine and
deliverer thread, as two replicas on one PostgreSQL) deliver every change exactly once."""

from __future__ import annotations

import time

from support import pdq_item, random_pdq

from clearinghouse.bootstrap import bootstrap, build_deliverer

from .receiver import Receiver
from .test_delivery import subscribe

SUBSCRIPTIONS = 4
STATEMENTS = 12


def test_two_replicas_deliver_each_change_once(settings, members):
    alpha, bravo = members
    receivers = [Receiver() for _ in range(SUBSCRIPTIONS)]
    replicas = [bootstrap(settings), bootstrap(settings)]
    deliverers = [build_deliverer(root.settings, root.db) for root in replicas]
    try:
        for r in receivers:
            subscribe(bravo, r.url)
        for d in deliverers:
            d.start()
        values = [random_pdq() for _ in range(STATEMENTS)]
        for value in values:
            assert alpha.state("submission", [pdq_item(value)]).status_code == 201
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if all(len(r.events()) >= STATEMENTS for r in receivers):
                break
            time.sleep(0.05)
        time.sleep(1.0)  # anything sent twice would arrive by now
        for r in receivers:
            got = [e["data"]["value"] for e in r.events()]
            assert sorted(got) == sorted(values) and len(got) == STATEMENTS
            ids = [req["headers"]["webhook-id"] for req in r.requests]
            assert len(ids) == len(set(ids))  # no delivery sent twice
    finally:
        for d in deliverers:
            d.stop()
        for root in replicas:
            root.close()
        for r in receivers:
            r.close()
