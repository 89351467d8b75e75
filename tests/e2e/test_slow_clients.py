"""Slow clients cannot stall a real ``clearinghouse serve`` (issue 20.2, DESIGN §16): 64
connections sending their headers — or their bodies — a byte at a time leave ``/healthz``
and signed lookups answering, on one worker with its default threads; the front's
deadlines close such connections, and a body that does not arrive is a 408 problem."""

from __future__ import annotations

import json
import secrets
import socket
import time

import pytest
import requests

from clearinghouse.crypto import SigningKey, sign_request
from clearinghouse.services.use_cases import members

from .slow_clients import SlowHeaders, probe_latencies

PROBE_TIMEOUT = 3.0  # far above a normal answer; a stalled server never answers at all


@pytest.fixture
def matcher(db):
    key = SigningKey.generate()
    members.add_member(db, "alpha", "Alpha", "matcher", key.verify_key)
    return key


def _signed_lookup(base: str, key: SigningKey) -> requests.Response:
    path = f"/v1/match?signal_type=pdq&value={secrets.token_hex(32)}"
    headers = sign_request(
        "GET", base + path, {}, None, key, created=int(time.time()), nonce=secrets.token_hex(8)
    )
    return requests.get(base + path, headers=headers, timeout=PROBE_TIMEOUT)


@pytest.mark.parametrize("body", [False, True], ids=["slow-headers", "slow-bodies"])
def test_64_slow_connections_leave_health_and_lookups_answering(start_server, matcher, body):
    base = start_server(workers=1)
    with SlowHeaders(base, count=64, body=body, interval=0.1, seconds=20) as slow:
        time.sleep(1.0)  # every slow connection open and dripping
        _, statuses = probe_latencies(base, 20, timeout=PROBE_TIMEOUT, pause=0.05)
        lookups = [_signed_lookup(base, matcher) for _ in range(5)]
        still_open = slow.opened - slow.closed_by_server
    assert statuses == [200] * 20
    assert [r.status_code for r in lookups] == [200] * 5, lookups[0].text
    assert all(r.json()["results"][0]["matches"] == [] for r in lookups)  # random: no match
    # The pressure was real: the server kept every slow connection open meanwhile.
    assert slow.opened == 64 and still_open == 64


def test_headers_not_sent_in_time_close_the_connection(start_server):
    base = start_server(workers=1, CLEARINGHOUSE_HEADER_TIMEOUT="1")
    with SlowHeaders(base, count=4, interval=0.1, seconds=20) as slow:
        deadline = time.monotonic() + 10
        while slow.closed_by_server < 4 and time.monotonic() < deadline:
            time.sleep(0.2)
    assert slow.closed_by_server >= 4


def test_a_body_not_sent_in_time_is_a_408_problem(start_server, matcher):
    base = start_server(workers=1, CLEARINGHOUSE_BODY_TIMEOUT="1")
    port = int(base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            b"POST /v1/match HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100\r\n\r\n{"queries"'
        )
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408")
    assert b"content-type: application/problem+json" in head.lower()
    assert json.loads(body)["status"] == 408
