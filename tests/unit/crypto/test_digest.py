"""RFC 9530 Content-Digest: computing, parsing and verifying."""

from __future__ import annotations

import base64
import hashlib

import pytest

from clearinghouse.crypto import content_digest, parse_content_digest, verify_content_digest
from clearinghouse.errors import InvalidInput, VerificationError

BODY = b'{"queries": [{"signal_type": "md5", "value": "00"}]}'


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


SHA256 = f"sha-256=:{b64(hashlib.sha256(BODY).digest())}:"
SHA512 = f"sha-512=:{b64(hashlib.sha512(BODY).digest())}:"
WRONG256 = f"sha-256=:{b64(hashlib.sha256(BODY + b' ').digest())}:"


def test_default_is_sha256():
    assert content_digest(BODY) == SHA256
    assert content_digest(BODY, "sha-512") == SHA512


def test_unsupported_algorithm_cannot_be_computed():
    with pytest.raises(ValueError):
        content_digest(BODY, "md5")


def test_parse_drops_unknown_algorithms():
    parsed = parse_content_digest(f"md5=:AAAA:, {SHA256}, unixsum=12")
    assert parsed == {"sha-256": hashlib.sha256(BODY).digest()}


@pytest.mark.parametrize(
    "value",
    [
        SHA256,
        SHA512,
        f"{SHA256}, {SHA512}",
        f"{SHA512},{SHA256}",
        f"  {SHA256}  ",
        f"md5=:AAAA:, {SHA256}",
        f"{SHA256};foo=1",
    ],
)
def test_verify_accepts(value):
    verify_content_digest(value, BODY)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(WRONG256, id="wrong"),
        pytest.param(f"{WRONG256}, {SHA512}", id="one-right-one-wrong"),
        pytest.param(f"{SHA512}, {WRONG256}", id="one-wrong-one-right"),
        pytest.param("md5=:AAAA:", id="unknown-only"),
        pytest.param("SHA-256=:AAAA:", id="uppercase-is-not-a-key"),
        pytest.param(f"sha-256={b64(hashlib.sha256(BODY).digest())}", id="not-byte-sequence"),
        pytest.param('sha-256="abc"', id="string-member"),
        pytest.param("sha-256=:AAAA:", id="short"),
        pytest.param("sha-256=(:AAAA:)", id="inner-list"),
        pytest.param("", id="empty"),
        pytest.param("sha-256=:not base64:", id="malformed"),
        pytest.param("sha-256=:é:", id="non-ascii"),
    ],
)
def test_verify_refuses(value):
    with pytest.raises(VerificationError):
        verify_content_digest(value, BODY)


def test_parse_malformed_is_invalid_input():
    with pytest.raises(InvalidInput):
        parse_content_digest("sha-256=:*:")


def test_duplicate_keys_last_wins_as_rfc8941_says():
    verify_content_digest(f"{WRONG256}, {SHA256}", BODY)
