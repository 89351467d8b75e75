"""Freshness across processes: what one server acknowledges, another matches within 1 s."""

import secrets
import time

import requests
from support import random_pdq

from clearinghouse.client import Client
from clearinghouse.crypto import SigningKey, sign_request
from clearinghouse.services.use_cases import members

LABEL = "behaviour:glorification-of-terrorist-acts"


def _until(predicate, seconds: float) -> float | None:
    """Seconds until ``predicate()`` held, or None if it did not within ``seconds``."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if predicate():
            return time.monotonic() - start
        time.sleep(0.02)
    return None


def test_submission_and_retraction_reach_the_other_process_within_a_second(db, start_server):
    key, other = SigningKey.generate(), SigningKey.generate()
    members.add_member(db, "alpha", "Alpha", "submitter,matcher,auditor", key.verify_key)
    members.add_member(db, "bravo", "Bravo", "submitter,matcher", other.verify_key)
    first, second = start_server(), start_server()
    a, b = Client(first, "alpha", key), Client(second, "alpha", key)
    bravo = Client(first, "bravo", other)
    value = random_pdq()
    signal = {"signal_type": "pdq", "value": value}

    def shown() -> dict | None:
        """The signal as the second process answers a lookup (its in-memory state)."""
        found = b.match([signal])[0]["matches"]
        return found[0] if found else None

    def found() -> bool:
        return shown() is not None

    def reaches(**state) -> bool:
        """Whether the second process shows ``state`` within a second."""
        return _until(lambda: (shown() or {}).items() >= state.items(), 1.0) is not None

    assert not found()
    item = {**signal, "quality": 80, "content_type": "image/png", "labels": [LABEL]}
    a.submit([item])
    assert a.match([signal])[0]["matches"]  # at once on A
    assert _until(found, 1.0) is not None
    assert shown()["contributors"] == 1 and shown()["confirmed"] is False

    # Corroboration, feedback both ways and a contribution's retraction: the state a
    # match carries follows the log as the index does.
    bravo.submit([item])
    assert reaches(contributors=2, confirmed=True, labels={LABEL: 2})
    bravo.feedback([{**signal, "verdict": "disagree", "reason": "news"}])
    assert reaches(disputed=True)
    bravo.feedback([{**signal, "verdict": "agree", "reason": "on reflection"}])
    assert reaches(disputed=False)
    bravo.retract([{**signal, "reason": "mistake"}])
    assert reaches(contributors=1, confirmed=False, labels={LABEL: 1})

    a.retract([{**signal, "reason": "mistake"}])
    assert _until(lambda: not found(), 1.0) is not None


def test_replay_and_revocation_are_refused_by_every_process(db, start_server):
    key, spare = SigningKey.generate(), SigningKey.generate()
    members.add_member(db, "alpha", "Alpha", "matcher", key.verify_key)
    members.add_key(db, "alpha", spare.verify_key)
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

    members.revoke_key(db, "alpha", key.key_id)
    for url in (first, second):

        def refused(url=url) -> bool:
            return _status(url, key) == 401

        assert _until(refused, 1.0) is not None
        other = sign_request("GET", url + path, {}, None, spare, created=int(time.time()))
        assert requests.get(url + path, headers=other, timeout=5).status_code == 200


def _status(url: str, key: SigningKey) -> int:
    path = "/v1/match?signal_type=md5&value=" + "0" * 32
    nonce = secrets.token_hex(8)  # one signature per request, or the next is a replay
    headers = sign_request("GET", url + path, {}, None, key, created=int(time.time()), nonce=nonce)
    return requests.get(url + path, headers=headers, timeout=5).status_code


def _every_worker_refuses(url: str, key: SigningKey) -> bool:
    # New connections are spread over the workers; a run of refusals covers them all.
    return all(_status(url, key) == 401 for _ in range(12))


def test_revocation_reaches_every_worker_within_a_second(db, start_server):
    key, spare = SigningKey.generate(), SigningKey.generate()
    members.add_member(db, "alpha", "Alpha", "matcher", key.verify_key)
    members.add_key(db, "alpha", spare.verify_key)
    url = start_server(workers=2)
    assert all(_status(url, key) == 200 for _ in range(12))  # every worker knows the key
    revoked_at = time.monotonic()
    members.revoke_key(db, "alpha", key.key_id)
    time.sleep(max(0.0, 1.0 - (time.monotonic() - revoked_at)))
    assert _every_worker_refuses(url, key)
    assert _status(url, spare) == 200


def test_suspension_reaches_every_worker_within_a_second(db, start_server):
    key = SigningKey.generate()
    members.add_member(db, "alpha", "Alpha", "matcher", key.verify_key)
    url = start_server(workers=2)
    assert all(_status(url, key) == 200 for _ in range(12))
    suspended_at = time.monotonic()
    members.suspend_member(db, "alpha")
    time.sleep(max(0.0, 1.0 - (time.monotonic() - suspended_at)))
    assert _every_worker_refuses(url, key)
