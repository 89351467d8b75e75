"""Two server processes on one database (two roots, each with its own engine and
deliverer thread, as two replicas on one PostgreSQL) deliver every change exactly once,
even when one is slower than its lease; a holder whose lease was taken over writes
nothing."""

from __future__ import annotations

import time
from dataclasses import replace

from sqlalchemy import select
from support import pdq_item, random_pdq

from clearinghouse.bootstrap import bootstrap, build_deliverer
from clearinghouse.store import subscriptions as rows
from clearinghouse.store.models import Subscription

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


def test_a_replica_slower_than_its_lease_keeps_it_while_it_lives(settings, members):
    # The endpoint answers after three leases: a replica that only wrote its lease at
    # the claim and before the send would see it run out mid-send, and the other
    # replica would send the same delivery again. The heartbeat keeps it.
    alpha, bravo = members
    lease = 0.4
    slow = replace(settings, webhook_lease=lease, webhook_poll_interval=0.02)
    receiver = Receiver()
    receiver.behave = lambda n: (204, {}, b"", 3 * lease)
    replicas = [bootstrap(slow), bootstrap(slow)]
    deliverers = [build_deliverer(root.settings, root.db) for root in replicas]
    try:
        subscribe(bravo, receiver.url)
        values = [random_pdq() for _ in range(3)]
        for value in values:
            assert alpha.state("submission", [pdq_item(value)]).status_code == 201
        for d in deliverers:
            d.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(receiver.events()) < len(values):
            time.sleep(0.05)
        time.sleep(4 * lease)  # a lease run out would have let the other replica send by now
        assert [e["data"]["value"] for e in receiver.events()] == values
        ids = [req["headers"]["webhook-id"] for req in receiver.requests]
        assert len(ids) == len(set(ids)) == 1  # one batch, sent once
    finally:
        for d in deliverers:
            d.stop()
        for root in replicas:
            root.close()
        receiver.close()


def test_a_lease_taken_over_stops_the_old_holders_writes(db, settings, members, clock):
    # A holder frozen past its lease (no heartbeat ran) comes back after another
    # process took the subscription over: it writes nothing, so the new holder's
    # cursor and delivery stand, and the one delivery goes out under its one id.
    alpha, bravo = members
    receiver = Receiver()
    first, second = (build_deliverer(settings, db, clock=clock) for _ in range(2))
    try:
        subscribe(bravo, receiver.url)
        assert alpha.state("submission", [pdq_item(random_pdq())]).status_code == 201
        taken: list[int] = []

        def frozen(n):
            if n == 0:  # the first holder stalls past its lease; the second takes over
                clock.now += settings.webhook_lease + 1
                taken.append(second.run_once())
            return 204, {}, b"", 0.0

        receiver.behave = frozen
        assert first.run_once() == 1
        assert taken == [1]  # the second sent the written-down delivery again
        ids = {req["headers"]["webhook-id"] for req in receiver.requests}
        assert len(receiver.requests) == 2 and len(ids) == 1  # at least once, one id
        assert first.keep_leases() == 0 and second.keep_leases() == 0  # all released
        with db.read() as session:
            (subscription,) = session.scalars(select(Subscription))
            assert subscription.lease_owner is None
            assert rows.pending_delivery(session, subscription.id) is None
        assert first.run_once() == 0 and second.run_once() == 0  # nothing left to send
    finally:
        first.stop()
        second.stop()
        receiver.close()
