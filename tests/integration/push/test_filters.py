"""Each filter (type, label, incident, only_confirmed) delivers exactly its changes."""

from __future__ import annotations

import secrets

from support import add_member, pdq_item, random_pdq

from .conftest import drain
from .test_delivery import subscribe

GLORIFY = "behaviour:glorification-of-terrorist-acts"
THREAT = "behaviour:imminent-credible-threat"
INCIDENT = "incident:harbour-attack"


def test_each_filter_delivers_exactly_its_changes(db, client, members, deliverer):
    from .receiver import Receiver

    alpha, bravo = members
    charlie = add_member(db, client, "charlie", "submitter,matcher")
    names = ["all", "md5", "threat", "behaviour", "incident", "confirmed"]
    receivers = {n: Receiver() for n in names}
    try:
        subscribe(bravo, receivers["all"].url)
        subscribe(bravo, receivers["md5"].url, signal_types=["md5"])
        subscribe(bravo, receivers["threat"].url, labels=[THREAT])
        subscribe(bravo, receivers["behaviour"].url, labels=["behaviour:*"])
        subscribe(bravo, receivers["incident"].url, incidents=["harbour-attack"])
        subscribe(bravo, receivers["confirmed"].url, only_confirmed=True)
        p_glorify, p_threat, p_incident, p_shared = (random_pdq() for _ in range(4))
        md5 = secrets.token_hex(16)
        alpha.state(
            "submission",
            [
                pdq_item(p_glorify),
                pdq_item(p_threat, labels=[THREAT]),
                pdq_item(p_incident, labels=[INCIDENT]),
                pdq_item(p_shared),
                {"signal_type": "md5", "value": md5, "content_type": "video/mp4",
                 "labels": [GLORIFY]},
            ],
        )  # fmt: skip
        charlie.state("submission", [pdq_item(p_shared)])  # confirmed: two members
        drain(deliverer)
        got = {n: sorted({e["data"]["value"] for e in r.events()}) for n, r in receivers.items()}
        assert got["all"] == sorted({p_glorify, p_threat, p_incident, p_shared, md5})
        assert got["md5"] == [md5]
        assert got["threat"] == [p_threat]
        assert got["behaviour"] == sorted({p_glorify, p_threat, p_shared, md5})
        assert got["incident"] == [p_incident]
        assert got["confirmed"] == [p_shared]
        # The retraction of the incident's signal reaches the incident's subscriber only
        # (and the unfiltered one), though a tombstone names no labels.
        before = {n: len(r.requests) for n, r in receivers.items()}
        alpha.state("retraction", [{"signal_type": "pdq", "value": p_incident, "reason": "x"}])
        drain(deliverer)
        grew = {n for n, r in receivers.items() if len(r.requests) > before[n]}
        assert grew == {"all", "incident", "confirmed"}
        last = receivers["incident"].events()[-1]
        assert last["type"] == "signal.retracted" and "value" not in last["data"]
    finally:
        for r in receivers.values():
            r.close()


def test_incident_actions_arrive_as_events_and_the_incident_filter_takes_them(
    db, client, members, deliverer
):
    from clearinghouse.client.statements import sign_incident

    from .receiver import Receiver

    alpha, bravo = members
    gifct = add_member(db, client, "gifct", "coordinator")
    everything, harbour, other = Receiver(), Receiver(), Receiver()
    try:
        subscribe(bravo, everything.url)
        subscribe(bravo, harbour.url, incidents=["harbour-attack"])
        subscribe(bravo, other.url, incidents=["elsewhere"])
        for action, title in (("declare", "Harbour attack"), ("update", ""), ("conclude", "")):
            envelope = sign_incident("gifct", action, "harbour-attack", gifct.key, title=title)
            assert (
                gifct.request("POST", "/v1/incidents", body=envelope.to_json()).status_code == 201
            )
            if action == "declare":
                alpha.state("submission", [pdq_item(random_pdq(), labels=[INCIDENT])])
        drain(deliverer)
        kinds = [e["type"] for e in harbour.events()]
        assert kinds == [
            "incident.declared",
            "signal.created",
            "incident.updated",
            "incident.concluded",
        ]
        assert [e["type"] for e in everything.events()] == kinds
        assert other.requests == []
        declared = harbour.events()[0]["data"]
        assert declared["incident"] == "harbour-attack" and declared["title"] == "Harbour attack"
    finally:
        for r in (everything, harbour, other):
            r.close()
