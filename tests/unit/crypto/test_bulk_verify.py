"""The auditor's fast Ed25519 check against its slow twin: ``VerifyKey.verify`` (OpenSSL)
decides every case the same way, including the weak keys libsodium alone would refuse."""

from __future__ import annotations

import base64
import random

import pytest

from clearinghouse.crypto import SigningKey, VerifyKey
from clearinghouse.crypto.bulk_verify import FAST, verify_signature
from clearinghouse.errors import VerificationError


def _verdict(check, public_key: bytes, signature: bytes, message: bytes) -> bool:
    try:
        check(public_key, signature, message)
    except VerificationError:
        return False
    return True


def _openssl(public_key: bytes, signature: bytes, message: bytes) -> None:
    VerifyKey(public_key).verify(signature, message)


def _flip(data: bytes, rng: random.Random) -> bytes:
    i = rng.randrange(len(data))
    return data[:i] + bytes([data[i] ^ (1 << rng.randrange(8))]) + data[i + 1 :]


def test_libsodium_is_in_use():
    assert FAST  # a dependency of the package: the audit's speed rests on it


@pytest.mark.parametrize("seed", range(10))
def test_same_verdict_as_openssl_on_good_and_tampered_signatures(seed):
    rng = random.Random(seed)
    key = SigningKey.generate()
    raw = key.verify_key.raw
    cases = 0
    for _ in range(20):
        message = rng.randbytes(rng.randrange(0, 2_000))
        signature = key.sign(message)
        for public_key, sig, msg in [
            (raw, signature, message),
            (raw, _flip(signature, rng), message),
            (raw, signature, _flip(message, rng) if message else b"x"),
            (_flip(raw, rng), signature, message),
            (raw, signature[:63], message),
        ]:
            fast = _verdict(verify_signature, public_key, sig, msg)
            assert fast == _verdict(_openssl, public_key, sig, msg)
            cases += 1
    assert cases == 100


def test_a_small_order_key_gets_openssls_verdict():
    # The identity point as a key: [h]A vanishes, so R = [S]B with any S < L "verifies"
    # under the plain equation. libsodium refuses such keys; the verdict stays OpenSSL's.
    from nacl.bindings import crypto_scalarmult_ed25519_base_noclamp, crypto_sign_open
    from nacl.exceptions import BadSignatureError

    identity = bytes([1]) + bytes(31)
    scalar = (123456789).to_bytes(32, "little")
    signature = crypto_scalarmult_ed25519_base_noclamp(scalar) + scalar
    for message in (b"", b"statement"):
        with pytest.raises(BadSignatureError):  # so the OpenSSL path is the one exercised
            crypto_sign_open(signature + message, identity)
        assert _verdict(verify_signature, identity, signature, message) == _verdict(
            _openssl, identity, signature, message
        )


def _request_signed_by_identity(tamper: bool) -> tuple[str, dict]:
    """A GET whose signature verifies under the plain equation for the identity key."""
    from nacl.bindings import crypto_scalarmult_ed25519_base_noclamp

    from clearinghouse.crypto.sigbase import signature_params

    url = "https://ch.example/v1/match?signal_type=pdq&value=ab"
    components = ["@method", "@authority", "@path", "@query"]
    params = {"created": 1_700_000_000, "keyid": "k", "alg": "ed25519"}
    scalar = (987654321).to_bytes(32, "little")
    signature = crypto_scalarmult_ed25519_base_noclamp(scalar) + scalar
    if tamper:
        signature = signature[:32] + (987654322).to_bytes(32, "little")
    headers = {
        "Signature-Input": f"sig1={signature_params(components, params)}",
        "Signature": f"sig1=:{base64.b64encode(signature).decode()}:",
    }
    return url, headers


@pytest.mark.parametrize("tamper", [False, True], ids=["verifies", "tampered"])
def test_request_signatures_get_openssls_verdict(tamper):
    # Request verification goes through the fast check too; where libsodium refuses (the
    # identity key), the answer is still OpenSSL's, whichever way it goes.
    from clearinghouse.crypto import verify_request
    from clearinghouse.crypto.httpsig import RequestSignatureError

    identity = bytes([1]) + bytes(31)
    url, headers = _request_signed_by_identity(tamper)
    accepted = True
    try:
        verify_request("GET", url, headers, None, resolve_key=lambda _: VerifyKey(identity),
                       now=1_700_000_000)  # fmt: skip
    except RequestSignatureError:
        accepted = False
    assert accepted == (not tamper)  # OpenSSL's plain equation holds for any message
