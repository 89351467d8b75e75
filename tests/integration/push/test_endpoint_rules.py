"""The endpoint rules at registration (422 problem+json) and again at every delivery,
on the real resolver: redirects not followed, timeouts, the answer's size ceiling."""

from __future__ import annotations

import json

import pytest
from support import pdq_item, random_pdq

from clearinghouse.bootstrap import build_deliverer, endpoint_rules
from clearinghouse.errors import UnsafeEndpoint
from clearinghouse.services.adapters.caller import Caller
from clearinghouse.services.adapters.webhook_endpoints import EndpointRules
from clearinghouse.services.adapters.webhook_sender import Sender
from clearinghouse.services.use_cases import subscriptions

from .conftest import drain
from .test_delivery import subscribe


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/h",  # plain http for a host not allowed it
        "https://169.254.169.254/latest/meta-data",  # metadata (not in the allowed network)
        "https://10.0.0.1/h",
        "ftp://127.0.0.1/h",
        "https://user:secret@127.0.0.1/h",
    ],
)
def test_refused_registrations_are_422_problems_and_store_nothing(members, url):
    _, bravo = members
    r = bravo.request("POST", "/v1/subscriptions", body=json.dumps({"url": url}).encode())
    assert r.status_code == 422 and r.mimetype == "application/problem+json"
    assert r.json["type"].endswith("/unsafe-endpoint")
    assert bravo.request("GET", "/v1/subscriptions").json == {"subscriptions": []}


def test_a_name_resolving_to_loopback_is_refused_without_the_allow_list(
    db, incident_board, members
):
    # The operator allows plain http for "localhost", but not its network.
    rules = EndpointRules(frozenset({"localhost"}), ())
    caller = Caller("bravo", members[1].key.key_id, frozenset({"matcher"}))
    body = json.dumps({"url": "http://localhost:9/h"}).encode()
    with pytest.raises(UnsafeEndpoint, match="loopback"):
        subscriptions.add(db, incident_board, rules, caller, body)


def test_the_address_is_checked_again_at_every_delivery(settings, db, members, receiver, clock):
    alpha, bravo = members
    subscribe(bravo, receiver.url)  # allowed when registered
    strict = Sender(
        EndpointRules(frozenset({"127.0.0.1"}), ()),
        connect_timeout=1,
        timeout=2,
        max_response_bytes=1000,
    )
    deliverer = build_deliverer(settings, db, sender=strict, clock=clock)
    failures = []
    deliverer.observer.failed = failures.append
    alpha.state("submission", [pdq_item(random_pdq())])
    assert drain(deliverer) == 1
    deliverer.stop()
    assert failures == ["address-refused"] and receiver.requests == []
    listed = bravo.request("GET", "/v1/subscriptions").json["subscriptions"][0]
    assert "address-refused" in listed["retrying"]["last_error"]


def _deliver_once(settings, db, members, receiver, clock, behave, **sender) -> list[str]:
    alpha, bravo = members
    subscribe(bravo, receiver.url)
    receiver.behave = behave
    options = {"connect_timeout": 1, "timeout": 2, "max_response_bytes": 1000, **sender}
    sender = Sender(endpoint_rules(settings), **options)
    deliverer = build_deliverer(settings, db, sender=sender, clock=clock)
    failures = []
    deliverer.observer.failed = failures.append
    alpha.state("submission", [pdq_item(random_pdq())])
    drain(deliverer)
    deliverer.stop()
    return failures


def test_redirects_are_not_followed(settings, db, members, receiver, clock):
    elsewhere = receiver.url.replace("/hook", "/elsewhere")
    failures = _deliver_once(
        settings, db, members, receiver, clock, lambda n: (302, {"location": elsewhere}, b"", 0)
    )
    assert failures == ["redirect"] and [r["path"] for r in receiver.requests] == ["/hook"]


def test_an_answer_over_the_ceiling_is_a_failure(settings, db, members, receiver, clock):
    failures = _deliver_once(
        settings, db, members, receiver, clock, lambda n: (200, {}, b"x" * 50_000, 0)
    )
    assert failures == ["response-too-large"]


def test_a_slow_endpoint_times_out(settings, db, members, receiver, clock):
    failures = _deliver_once(
        settings, db, members, receiver, clock, lambda n: (204, {}, b"", 1.5), timeout=0.5
    )
    assert failures == ["timeout"]
