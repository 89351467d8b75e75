"""A member need not use our SDK: a request signed by an independent RFC 9421 library,
``http-message-signatures``, sent with plain ``requests`` to a real server process, is
accepted — and the same request replayed is refused."""

import datetime
import json

import requests
from http_message_signatures import HTTPMessageSigner, MappingKeyResolver, algorithms
from support import random_pdq

from clearinghouse.crypto import SigningKey, sign_envelope
from clearinghouse.services.use_cases import members

LABEL = "behaviour:glorification-of-terrorist-acts"


def _signed(key: SigningKey, method: str, url: str, body: bytes | None):
    headers = {"Content-Type": "application/json"} if body else {}
    request = requests.Request(method, url, data=body, headers=headers).prepare()
    signer = HTTPMessageSigner(
        signature_algorithm=algorithms.ED25519,
        key_resolver=MappingKeyResolver(public_keys={}, private_keys={key.key_id: key.to_pem()}),
    )
    covered = ("@method", "@authority", "@path")
    if "?" in url:
        covered += ("@query",)
    # Given the body, the library computes Content-Digest and adds it to the coverage.
    signer.sign(
        request,
        key_id=key.key_id,
        label="sig1",
        covered_component_ids=covered,
        created=datetime.datetime.now(datetime.UTC),
        body=body,
    )
    return request


def test_independent_client_is_accepted_and_its_replay_refused(db, start_server):
    key = SigningKey.generate()
    members.add_member(db, "alpha", "Alpha", "submitter,matcher", key.verify_key)
    base = start_server()
    payload = json.dumps(
        {
            "member": "alpha",
            "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "items": [
                {
                    "signal_type": "pdq",
                    "value": random_pdq(),
                    "quality": 90,
                    "content_type": "image/jpeg",
                    "labels": [LABEL],
                }
            ],
        }
    )
    body = sign_envelope(
        "application/vnd.clearinghouse.submission+json", payload.encode(), key
    ).to_json()
    with requests.Session() as http:
        request = _signed(key, "POST", base + "/v1/submissions", body)
        first = http.send(request, timeout=10)
        assert first.status_code == 201, first.text
        replay = http.send(request, timeout=10)
        assert replay.status_code == 401
        assert replay.headers["Content-Type"] == "application/problem+json"

        lookup = _signed(key, "GET", base + "/v1/match?signal_type=md5&value=" + "0" * 32, None)
        answer = http.send(lookup, timeout=10)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"results": [{"matches": []}]}
