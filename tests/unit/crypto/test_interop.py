"""Interoperability with an independent RFC 9421 implementation, ``http-message-signatures``.

A member need not use our SDK: any standard client that follows DESIGN §4.1 must be
accepted, and what we sign must verify elsewhere. The other library reads the clock
itself, so these requests are created "now"; nothing here depends on timing.
"""

from __future__ import annotations

import datetime
import time

import pytest
import requests
from http_message_signatures import (
    HTTPMessageSigner,
    HTTPMessageVerifier,
    InvalidSignature,
    MappingKeyResolver,
    algorithms,
)

from clearinghouse.crypto import RequestSignatureError, SigningKey, sign_request, verify_request

KEY = SigningKey.from_seed(bytes(range(32)))
URL = "https://ch.example/v1/match?signal_type=pdq&value=ab"
BODY = b'{"queries": [{"signal_type": "md5", "value": "00"}]}'


def prepared(method: str, url: str, body: bytes | None) -> requests.PreparedRequest:
    headers = {"Content-Type": "application/json"} if body else {}
    return requests.Request(method, url, data=body, headers=headers).prepare()


def their_signer() -> HTTPMessageSigner:
    resolver = MappingKeyResolver(public_keys={}, private_keys={KEY.key_id: KEY.to_pem()})
    return HTTPMessageSigner(signature_algorithm=algorithms.ED25519, key_resolver=resolver)


def their_verifier() -> HTTPMessageVerifier:
    resolver = MappingKeyResolver(
        public_keys={KEY.key_id: KEY.verify_key.to_pem()}, private_keys={}
    )
    return HTTPMessageVerifier(signature_algorithm=algorithms.ED25519, key_resolver=resolver)


def ours_verify(req: requests.PreparedRequest, now: int):
    return verify_request(
        req.method,
        req.url,
        req.headers,
        req.body,
        resolve_key={KEY.key_id: KEY.verify_key}.get,
        now=now,
    )


@pytest.mark.parametrize(
    ("method", "url", "body", "components"),
    [
        ("POST", URL, BODY, ("@method", "@authority", "@path", "@query", "content-digest")),
        ("POST", URL, BODY, ("@method", "@target-uri", "content-type")),
        ("GET", "https://ch.example/v1/signals/7", None, ("@method", "@authority", "@target-uri")),
        ("DELETE", "https://ch.example:8443/v1/keys/ab", None, ("@method", "@path", "@scheme")),
    ],
)
def test_their_signature_verifies_with_ours(method, url, body, components):
    now = int(time.time())
    req = prepared(method, url, body)
    their_signer().sign(
        req,
        key_id=KEY.key_id,
        created=datetime.datetime.fromtimestamp(now, datetime.UTC),
        covered_component_ids=components,
        body=body,
        label="sig1",
    )
    result = ours_verify(req, now)
    assert result.keyid == KEY.key_id
    assert set(components) <= set(result.components)
    if body:
        assert "content-digest" in result.components


def test_their_signature_on_a_tampered_request_is_refused():
    now = int(time.time())
    req = prepared("POST", URL, BODY)
    their_signer().sign(
        req,
        key_id=KEY.key_id,
        created=datetime.datetime.fromtimestamp(now, datetime.UTC),
        covered_component_ids=("@method", "@authority", "@path", "@query"),
        body=BODY,
    )
    req.body = BODY.replace(b"00", b"01")
    with pytest.raises(RequestSignatureError):
        ours_verify(req, now)


@pytest.mark.parametrize(
    ("method", "url", "body", "components"),
    [
        ("POST", URL, BODY, None),
        ("POST", URL, BODY, ["@method", "@target-uri", "@authority", "@scheme", "content-type"]),
        ("GET", "https://ch.example/v1/signals/7", None, None),
        ("GET", URL, None, ["@method", "@request-target", "@path", "@query"]),
    ],
)
def test_our_signature_verifies_with_theirs(method, url, body, components):
    req = prepared(method, url, body)
    req.headers.update(
        sign_request(
            method, url, req.headers, body, KEY, created=int(time.time()), components=components
        )
    )
    results = their_verifier().verify(req, body=body)
    assert results[0].parameters["keyid"] == KEY.key_id
    if body:
        assert results[0].body == body


def test_theirs_refuses_our_signature_on_a_tampered_request():
    req = prepared("POST", URL, BODY)
    req.headers.update(sign_request("POST", URL, req.headers, BODY, KEY, created=int(time.time())))
    req.prepare_url(URL.replace("=ab", "=ac"), None)
    with pytest.raises(InvalidSignature):
        their_verifier().verify(req, body=BODY)
