"""The SDK against the fake server: signing, statements, retries, typed errors, every method."""

from __future__ import annotations

import base64
import json
import re

import pytest
import requests
from http_sfv import Dictionary

from clearinghouse.client import (
    AuthenticationProblem,
    Client,
    ConflictProblem,
    InvalidInputProblem,
    NotFoundProblem,
    ProblemError,
    TransportError,
    UnavailableProblem,
    VerificationProblem,
)
from clearinghouse.crypto import Envelope, SigningKey
from clearinghouse.errors import ClearinghouseError, InvalidInput, NotFound

from .conftest import MEMBER, SERVER

PDQ = "f" * 64
ITEM = {
    "signal_type": "pdq",
    "value": PDQ,
    "quality": 90,
    "content_type": "image/jpeg",
    "labels": ["behaviour:glorification-of-terrorist-acts"],
}


def _covered(call) -> list[str]:
    inputs = Dictionary()
    inputs.parse(call.headers["Signature-Input"].encode())
    return [item.value for item in inputs["sig1"]]


def test_submit_signs_the_request_and_the_envelope(client, server):
    answer = client.submit([ITEM])
    assert answer["items"] == [{"signal_id": 1, "status": "new"}]
    [call] = server.calls
    assert call.method == "POST" and call.path == "/v1/submissions"
    assert _covered(call) == ["@method", "@authority", "@path", "content-digest"]
    envelope = Envelope.from_json(call.body)
    assert envelope.payload_type == "application/vnd.clearinghouse.submission+json"
    payload = json.loads(envelope.payload)
    assert payload["member"] == MEMBER
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", payload["created"])
    assert payload["items"] == [ITEM]
    assert server.log == [call.body]


@pytest.mark.parametrize(
    ("method", "item", "path", "payload_type"),
    [
        ("retract", {"signal_type": "pdq", "value": PDQ, "reason": "mistake"},
         "/v1/retractions", "application/vnd.clearinghouse.retraction+json"),
        ("feedback", {"signal_type": "pdq", "value": PDQ, "verdict": "agree", "reason": "seen"},
         "/v1/feedback", "application/vnd.clearinghouse.feedback+json"),
    ],
)  # fmt: skip
def test_retract_and_feedback(client, server, method, item, path, payload_type):
    getattr(client, method)([item], created="2024-05-01T12:00:00Z")
    [call] = server.calls
    envelope = Envelope.from_json(call.body)
    assert call.path == path and envelope.payload_type == payload_type
    assert json.loads(envelope.payload) == {
        "member": MEMBER,
        "created": "2024-05-01T12:00:00Z",
        "items": [item],
    }


def test_the_same_envelope_is_stored_once(client, server):
    envelope = client.sign("submission", [ITEM])
    first = client.submit_envelope("submission", envelope)
    again = client.submit_envelope("/v1/submissions", envelope.to_json())
    assert first == again and len(server.log) == 1
    # Two sends of one envelope, each request signed anew: no replay refusal.
    nonces = [c.nonce for c in server.calls]
    assert len(set(nonces)) == 2 and all(nonces)


def test_queries_are_covered_and_public_routes_unsigned(client, server):
    client.submit([ITEM])
    assert client.match_one("pdq", PDQ.upper(), max_distance=10) == []
    assert client.match_one("pdq", PDQ)[0]["signal_id"] == 1
    call = server.calls[1]
    assert call.query == {"signal_type": ["pdq"], "value": [PDQ.upper()], "max_distance": ["10"]}
    assert "@query" in _covered(call)
    assert "@query" in _covered(server.calls[2]) and "max_distance" not in server.calls[2].query
    assert client.log_checkpoint().startswith("example/log\n1\n")
    assert client.log_key() == "example+01234567+AQ=="
    assert [c.signed for c in server.calls[-2:]] == [False, False]


def test_retries_5xx_with_backoff_re_signing_each_attempt(client, server, sleeps):
    server.faults = [503, 500, 502]
    answer = client.submit([ITEM])
    assert answer["log_index"] == 0
    bodies = {c.body for c in server.statement_calls()}
    signatures = {c.headers["Signature"] for c in server.calls}
    assert len(server.calls) == 4 and len(bodies) == 1 and len(signatures) == 4
    # Exponential: each pause lies in [ceiling/2, ceiling] with ceilings 0.5, 1, 2.
    assert [0.25 <= sleeps[0] <= 0.5, 0.5 <= sleeps[1] <= 1, 1 <= sleeps[2] <= 2] == [True] * 3


def test_a_lost_answer_is_retried_and_answered_idempotently(client, server):
    server.faults = ["drop"]
    answer = client.submit([ITEM])
    assert len(server.statement_calls()) == 2
    assert server.statement_calls()[0].body == server.statement_calls()[1].body
    assert len(server.log) == 1 and answer["statement_id"] == 1


def test_retries_run_out(make_client, server):
    client = make_client(retries=2)
    server.faults = [500, 500, 500]
    with pytest.raises(UnavailableProblem) as caught:
        client.submit([ITEM])
    assert caught.value.status == 500 and len(server.calls) == 3
    server.faults = ["refuse"] * 3
    with pytest.raises(TransportError, match="3 attempt"):
        client.match_one("pdq", PDQ)
    assert isinstance(caught.value, ClearinghouseError)


def test_client_errors_are_final_and_typed(client, server):
    bad = {**ITEM, "value": "bad"}
    with pytest.raises(InvalidInputProblem) as caught:
        client.submit([ITEM, bad, bad])
    error = caught.value
    assert isinstance(error, InvalidInput) and isinstance(error, ProblemError)
    assert error.status == 400 and len(server.calls) == 1
    assert [e["index"] for e in error.errors] == [1, 2]
    assert error.problem["type"].endswith("/invalid-input")
    assert "2 bad item(s)" in str(error)
    with pytest.raises(NotFoundProblem) as caught:
        client.signal(99)
    assert isinstance(caught.value, NotFound) and caught.value.detail == "no signal 99"


def test_unknown_key_is_401(make_client, server):
    with pytest.raises(AuthenticationProblem) as caught:
        make_client(key=SigningKey.generate()).signal(1)
    assert caught.value.status == 401 and len(server.calls) == 1


def test_envelope_signed_by_another_key_is_a_verification_problem(client, server):
    stranger = Envelope.from_json(client.sign("submission", [ITEM]).to_json())
    forged = Envelope(stranger.payload_type, stranger.payload, [("x" * 32, b"\0" * 64)])
    with pytest.raises(VerificationProblem):
        client.submit_envelope("submission", forged)


def test_a_non_problem_error_body_is_kept(make_client, server):
    server.faults = ["html502"]
    with pytest.raises(UnavailableProblem) as caught:
        make_client(retries=0).signal(1)
    assert caught.value.status == 502 and "bad gateway" in caught.value.detail


def test_keys_are_not_retried_unless_never_sent(client, server, member_key):
    new = SigningKey.generate()
    server.faults = [500]
    with pytest.raises(UnavailableProblem):
        client.add_key(new)
    assert len(server.calls) == 1
    server.faults = ["refuse"]
    assert client.add_key(new)["key_id"] == new.key_id
    with pytest.raises(ConflictProblem):
        client.add_key(new)
    client.revoke_key(member_key.key_id, force=True)
    client.revoke_key(member_key.key_id)
    revokes = [c for c in server.calls if c.method == "DELETE"]
    assert [c.query for c in revokes] == [{"force": ["true"]}, {}]


def test_match_batches_of_1000_keep_order(client, server):
    client.submit([ITEM])
    queries = [{"signal_type": "pdq", "value": f"{i:064x}"} for i in range(2500)]
    queries[1234] = {"signal_type": "pdq", "value": PDQ}
    results = client.match(queries, dihedral=True)
    calls = [c for c in server.calls if c.path == "/v1/match"]
    assert [len(json.loads(c.body)["queries"]) for c in calls] == [1000, 1000, 500]
    assert all(json.loads(c.body)["dihedral"] is True for c in calls)
    assert [i for i, r in enumerate(results) if r["matches"]] == [1234]


def test_match_one_sends_vpdq_frames_by_post(client, server):
    frames = [{"pdq": PDQ, "quality": 90, "timestamp": 0.0}]
    client.submit([{**ITEM, "signal_type": "vpdq", "value": frames}])
    assert client.match_one("vpdq", frames)[0]["signal_type"] == "vpdq"
    assert server.calls[-1].method == "POST"


def test_change_feed_pages_until_caught_up(client, server):
    client.submit([{**ITEM, "value": f"{i:064x}"} for i in range(5)])
    pages = list(client.iter_signal_pages())
    assert [len(p["signals"]) for p in pages] == [2, 2, 1, 0]
    assert [s["signal_id"] for s in client.iter_signals(after=2)] == [3, 4, 5]
    assert client.signals(limit=1) == {"signals": [{"signal_id": 1}], "next": "1"}


def test_log_entries_are_paged_and_decoded(client, server):
    server.log = [f"entry {i}".encode() for i in range(2300)]
    entries = client.log_entries(5, 2105)
    assert [i for i, _ in entries] == list(range(5, 2105))
    assert entries[-1] == (2104, b"entry 2104")
    calls = [c.query for c in server.calls]
    assert [(q["start"], q["end"]) for q in calls] == [
        (["5"], ["1005"]),
        (["1005"], ["2005"]),
        (["2005"], ["2105"]),
    ]
    assert client.inclusion_proof(0, 2) == [b"h" * 32]
    assert client.consistency_proof(1, 2) == []


def test_key_from_a_file_and_from_the_environment(tmp_path, server, member_key):
    path = tmp_path / "acme.key"
    path.write_bytes(member_key.to_pem())
    env = {"CLEARINGHOUSE_URL": SERVER, "CLEARINGHOUSE_MEMBER": MEMBER,
           "CLEARINGHOUSE_KEY": str(path)}  # fmt: skip
    client = Client.from_env(env)
    assert client.key.key_id == member_key.key_id and client.server == SERVER
    with pytest.raises(InvalidInput, match="CLEARINGHOUSE_KEY"):
        Client.from_env({**env, "CLEARINGHOUSE_KEY": ""})
    with pytest.raises(InvalidInput, match="cannot read"):
        Client(SERVER, MEMBER, tmp_path / "missing.key")


def test_statement_limits_are_checked_before_sending(client, server):
    with pytest.raises(InvalidInput, match="at least one"):
        client.submit([])
    with pytest.raises(InvalidInput, match="at most 10000"):
        client.submit([ITEM] * 10_001)
    assert server.calls == []


def test_bad_server_urls_are_refused():
    with pytest.raises(ValueError):
        Client("ch.example.test", MEMBER, SigningKey.generate())


def test_entry_bytes_are_base64(client, server):
    server.log = [b"\x00\xff"]
    assert client.log_entries(0, 1) == [(0, base64.b64decode("AP8="))]


def test_redirects_are_not_followed(client, server):
    server.faults = ["redirect"]
    with pytest.raises(ProblemError, match=re.escape("https://elsewhere.test/v1/")) as caught:
        client.signal(1)
    assert caught.value.status == 301 and len(server.calls) == 1


def test_a_session_passed_in_stays_open(server, member_key):
    closed = []
    session = requests.Session()
    session.close = lambda: closed.append(True)
    with Client(SERVER, MEMBER, member_key, session=session):
        pass
    assert closed == []


def test_match_one_asks_for_dihedral_variants(client, server):
    client.match_one("pdq", PDQ, dihedral=True)
    assert server.calls[-1].query == {"signal_type": ["pdq"], "value": [PDQ], "dihedral": ["true"]}


def test_a_429_is_waited_out_as_retry_after_says_and_said_on_stderr(client, server, sleeps, caplog):
    server.faults = ["rate-limited", "rate-limited"]
    with caplog.at_level("WARNING", logger="clearinghouse.client"):
        answer = client.submit([ITEM])
    assert answer["log_index"] == 0
    assert len(sleeps) == 2 and all(s >= 7 for s in sleeps)
    waits = [r.getMessage() for r in caplog.records if "rate limited" in r.getMessage()]
    assert len(waits) == 2 and "retrying in 7.0 s" in waits[0]
