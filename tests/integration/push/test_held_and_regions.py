"""Pushes of held signals and of signals with regions: a held signal's change reaches
the unfiltered subscriber marked ``"held": true`` and no only-confirmed one until its
release; no push carries a region value."""

from __future__ import annotations

from support import pdq_item, random_pdq

from clearinghouse.services.use_cases import holds

from .conftest import drain
from .receiver import Receiver
from .test_delivery import subscribe


def test_a_held_signal_leaves_only_confirmed_pushes_until_released(db, members, deliverer):
    alpha, bravo = members
    every, confirmed = Receiver(), Receiver()
    try:
        subscribe(bravo, every.url)
        subscribe(bravo, confirmed.url, only_confirmed=True)
        value = random_pdq()
        alpha.state("submission", [pdq_item(value)])
        bravo.state("submission", [pdq_item(value)])  # confirmed: two members
        drain(deliverer)
        before = len(every.events()), len(confirmed.events())

        holds.hold_signal(db, 1, "matched far more than its type", by="checker")
        drain(deliverer)
        [held] = every.events()[before[0] :]
        assert held["type"] == "signal.updated" and held["data"]["held"] is True
        assert len(confirmed.events()) == before[1]  # no push for it while held

        holds.release_signal(db, 1, "a known picture")
        drain(deliverer)
        [back] = confirmed.events()[before[1] :]
        assert back["type"] == "signal.updated" and "held" not in back["data"]
        assert back["data"]["value"] == value
    finally:
        every.close()
        confirmed.close()


def test_no_push_carries_a_region_value(members, receiver, deliverer):
    alpha, bravo = members
    subscribe(bravo, receiver.url)
    ladder = [{"pdq": random_pdq(), "quality": 70 + n} for n in range(4)]
    value = random_pdq()
    assert alpha.state("submission", [pdq_item(value, regions=ladder)]).status_code == 201
    drain(deliverer)
    alpha.state("retraction", [{"signal_type": "pdq", "value": value, "reason": "x"}])
    drain(deliverer)
    bodies = [r["body"].decode() for r in receiver.requests]
    assert any(value in body for body in bodies)  # the signal itself does go out
    assert not [r["pdq"] for r in ladder if any(r["pdq"] in body for body in bodies)]
