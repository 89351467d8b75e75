"""Webhook delivery end to end in one process: signatures a Standard Webhooks library
accepts, bodies that are the feed's entries, feed order, retries with the same id, a
receiver that is down for a while, pausing, and members who may no longer receive."""

from __future__ import annotations

import json

from standardwebhooks.webhooks import Webhook
from support import pdq_item, random_pdq

from clearinghouse.services.use_cases import members as member_admin
from clearinghouse.store import subscriptions as rows

from .conftest import drain

LABEL = "behaviour:glorification-of-terrorist-acts"


def subscribe(member, url, **filters) -> dict:
    body = json.dumps({"url": url, "filters": filters}).encode()
    r = member.request("POST", "/v1/subscriptions", body=body)
    assert r.status_code == 201, r.json
    return r.json


def test_a_submission_arrives_signed_as_standard_webhooks_verify_it(members, receiver, deliverer):
    alpha, bravo = members
    sub = subscribe(bravo, receiver.url)
    assert sub["secret"].startswith("whsec_") and sub["status"] == "active"
    value = random_pdq()
    assert alpha.state("submission", [pdq_item(value)]).status_code == 201
    assert drain(deliverer) == 1
    (request,) = receiver.requests
    payload = Webhook(sub["secret"]).verify(request["body"], request["headers"])
    assert payload["type"] == "signal.created"
    assert payload["data"]["value"] == value and payload["data"]["is_mine"] is False
    feed = bravo.request("GET", "/v1/signals").json["signals"]
    assert payload["data"] == feed[-1]  # exactly the feed's entry for this member
    # A wrong secret is refused by the library: the signature is real.
    other = subscribe(bravo, receiver.url)
    try:
        Webhook(other["secret"]).verify(request["body"], request["headers"])
    except Exception as exc:  # standardwebhooks raises WebhookVerificationError
        assert "signature" in str(exc).lower()
    else:
        raise AssertionError("verified with another secret")


def test_changes_arrive_in_feed_order_created_updated_retracted(db, members, receiver, deliverer):
    alpha, bravo = members
    subscribe(bravo, receiver.url)
    values = [random_pdq() for _ in range(6)]
    first = alpha.state("submission", [pdq_item(v) for v in values[:3]]).json["items"]
    bravo.state("submission", [pdq_item(values[0])])  # corroborates: an update
    alpha.state("submission", [pdq_item(v) for v in values[3:]])
    alpha.state("retraction", [{"signal_type": "pdq", "value": values[1], "reason": "x"}])
    drain(deliverer)
    events = receiver.events()
    got = [(e["type"], e["data"]["signal_id"]) for e in events]
    ids = {v: item["signal_id"] for v, item in zip(values, first, strict=False)}
    # Each delivery is a batch of what had changed by then, in the feed's order.
    feed = [s["signal_id"] for s in bravo.request("GET", "/v1/signals").json["signals"]]
    assert sorted(i for _, i in got) == sorted(feed)
    assert [i for _, i in got] == feed  # one drain after all the changes: the feed itself
    kinds = dict((i, t) for t, i in got)
    assert kinds[ids[values[0]]] == "signal.created"  # created and corroborated since
    assert kinds[ids[values[1]]] == "signal.retracted"


def test_order_per_subscription_equals_feed_order_delivering_as_changes_come(
    members, receiver, deliverer
):
    alpha, bravo = members
    subscribe(bravo, receiver.url)
    values = [random_pdq() for _ in range(5)]
    for n, value in enumerate(values):
        alpha.state("submission", [pdq_item(value)])
        if n % 2:
            drain(deliverer)
    bravo.state("submission", [pdq_item(values[0])])
    drain(deliverer)
    got = [(e["type"], e["data"]["signal_id"]) for e in receiver.events()]
    assert [t for t, _ in got] == ["signal.created"] * 5 + ["signal.updated"]
    ids = [i for _, i in got]
    assert ids[:5] == sorted(ids[:5]) and ids[5] == ids[0]


def test_three_failures_then_success_keeps_the_webhook_id(db, members, receiver, deliverer, clock):
    alpha, bravo = members
    sub = subscribe(bravo, receiver.url)
    receiver.answers = [500, 503, 502]
    alpha.state("submission", [pdq_item(random_pdq())])
    waits = []
    for _ in range(3):
        assert drain(deliverer) == 1
        with db.read() as session:
            due = rows.get_subscription(session, sub["id"]).next_attempt_at
        waits.append(round(due - clock.now, 3))
        clock.now = due - 0.01
        assert drain(deliverer) == 0  # not due yet
        listed = bravo.request("GET", "/v1/subscriptions").json["subscriptions"][0]
        assert listed["status"] == "active" and listed["retrying"]["attempts"] >= 1
        clock.now = due
    assert drain(deliverer) == 1
    assert waits == [1, 2, 4]  # exponential from 1 s: three failures and a success in 7 s
    ids = {r["headers"]["webhook-id"] for r in receiver.requests}
    bodies = {r["body"] for r in receiver.requests}
    assert len(receiver.requests) == 4 and len(ids) == 1 and len(bodies) == 1
    assert [r["status"] for r in receiver.requests] == [500, 503, 502, 204]
    Webhook(sub["secret"]).verify(receiver.requests[-1]["body"], receiver.requests[-1]["headers"])


def test_a_receiver_down_for_a_while_loses_nothing(members, receiver, deliverer, clock):
    alpha, bravo = members
    subscribe(bravo, receiver.url)
    receiver.answers = [503] * 6
    values = [random_pdq() for _ in range(12)]
    for n in range(0, 12, 2):
        alpha.state("submission", [pdq_item(v) for v in values[n : n + 2]])
        drain(deliverer)
        clock.now += 3600  # past any retry delay
    for _ in range(5):
        clock.now += 3600
        drain(deliverer)
    received = [e["data"]["value"] for e in receiver.events()]
    assert sorted(received) == sorted(values) and len(received) == len(values)


def test_failing_for_a_day_pauses_with_the_reason(members, receiver, deliverer, clock):
    alpha, bravo = members
    subscribe(bravo, receiver.url)
    receiver.answers = [500] * 100
    alpha.state("submission", [pdq_item(random_pdq())])
    for _ in range(40):
        drain(deliverer)
        clock.now += 3600
    (listed,) = bravo.request("GET", "/v1/subscriptions").json["subscriptions"]
    assert listed["status"] == "paused"
    assert "failed for" in listed["paused_reason"] and "status-5xx" in listed["paused_reason"]
    attempts = len(receiver.requests)
    clock.now += 86_400
    assert drain(deliverer) == 0 and len(receiver.requests) == attempts


def test_a_suspended_members_subscriptions_stop(db, members, receiver, deliverer):
    alpha, bravo = members
    subscribe(bravo, receiver.url)
    alpha.state("submission", [pdq_item(random_pdq())])
    drain(deliverer)
    assert len(receiver.requests) == 1
    member_admin.suspend_member(db, "bravo")
    alpha.state("submission", [pdq_item(random_pdq())])
    assert drain(deliverer) == 0 and len(receiver.requests) == 1


def test_a_member_with_every_key_revoked_receives_nothing(db, members, receiver, deliverer):
    alpha, bravo = members
    subscribe(bravo, receiver.url)
    member_admin.revoke_key(db, "bravo", bravo.key.key_id, force=True)
    alpha.state("submission", [pdq_item(random_pdq())])
    assert drain(deliverer) == 0 and receiver.requests == []


def test_list_and_remove_are_the_members_own(members, receiver, deliverer):
    alpha, bravo = members
    sub = subscribe(bravo, receiver.url)
    assert alpha.request("GET", "/v1/subscriptions").json == {"subscriptions": []}
    assert alpha.request("DELETE", f"/v1/subscriptions/{sub['id']}").status_code == 404
    listed = bravo.request("GET", "/v1/subscriptions").json["subscriptions"]
    assert [s["id"] for s in listed] == [sub["id"]] and "secret" not in listed[0]
    assert bravo.request("DELETE", f"/v1/subscriptions/{sub['id']}").status_code == 204
    alpha.state("submission", [pdq_item(random_pdq())])
    assert drain(deliverer) == 0 and receiver.requests == []
