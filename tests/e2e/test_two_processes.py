"""Freshness across processes: what one server acknowledges, another matches within 1 s."""

import time

import requests
from support import random_pdq

from clearinghouse.client import Client
from clearinghouse.crypto import SigningKey, sign_request
from clearinghouse.services import members

LABEL = "behaviour:glorification-of-terrorist-acts"


def _until(predicate, seconds: float) -> float | None:
    """Seconds until ``predicate()`` held, or None if it did not within ``seconds``."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if predicate():
            return time.monotonic() - start
        time.sleep(0.02)
    return None


def test_submission_and_retraction_reach_the_other_process_within_a_second(context, start_server):
    key = SigningKey.generate()
    members.add_member(context.db, "alpha", "Alpha", "submitter,matcher,auditor", key.verify_key)
    first, second = start_server(), start_server()
    a, b = Client(first, "alpha", key), Client(second, "alpha", key)
    value = random_pdq()

    def found() -> bool:
        return bool(b.match([{"signal_type": "pdq", "value": value}])[0]["matches"])

    assert not found()
    a.submit(
        [
            {
                "signal_type": "pdq",
                "value": value,
                "quality": 80,
                "content_type": "image/png",
                "labels": [LABEL],
            }
        ]
    )
    assert a.match([{"signal_type": "pdq", "value": value}])[0]["matches"]  # at once on A
    assert _until(found, 1.0) is not None
    a.retract([{"signal_type": "pdq", "value": value, "reason": "mistake"}])
    assert _until(lambda: not found(), 1.0) is not None


def test_replay_and_revocation_are_refused_by_every_process(context, start_server):
    key, spare = SigningKey.generate(), SigningKey.generate()
    members.add_member(context.db, "alpha", "Alpha", "matcher", key.verify_key)
    members.add_key(context.db, "alpha", spare.verify_key)
    first, second = start_server(), start_server()
    path = "/v1/match?signal_type=md5&value=" + "0" * 32
    # Covering the path but not the authority, so the one signature is valid at both.
    headers = sign_request(
        "GET",
        first + path,
        {},
        None,
        key,
        created=int(time.time()),
        components=["@method", "@path", "@query"],
    )
    assert requests.get(first + path, headers=headers, timeout=5).status_code == 200
    replay = requests.get(second + path, headers=headers, timeout=5)
    assert replay.status_code == 401
    assert replay.headers["Content-Type"] == "application/problem+json"

    members.revoke_key(context.db, "alpha", key.key_id)
    for url in (first, second):
        fresh = sign_request("GET", url + path, {}, None, key, created=int(time.time()))
        assert requests.get(url + path, headers=fresh, timeout=5).status_code == 401
        other = sign_request("GET", url + path, {}, None, spare, created=int(time.time()))
        assert requests.get(url + path, headers=other, timeout=5).status_code == 200
