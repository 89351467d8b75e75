"""Self-service keys: a member adds and revokes its own keys; both are logged, and a
revoked key is refused at once."""

import base64
import json
import time

import pytest
from support import add_member

from clearinghouse.crypto import SigningKey, prove_possession
from clearinghouse.store.log import log_size, read_entries


def _key_body(new: SigningKey, member: str, **proof_changes) -> bytes:
    proof = {**prove_possession(new, member), **proof_changes}
    return json.dumps({"public_key": new.verify_key.to_pem().decode(), "proof": proof}).encode()


def _types(db):
    with db.read() as s:
        return [json.loads(d)["type"] for _, d in read_entries(s, 0, log_size(s))]


def test_add_then_revoke_a_key(db, client):
    a = add_member(db, client, "alpha")
    new = SigningKey.generate()
    r = a.request("POST", "/v1/keys", body=_key_body(new, "alpha"))
    assert r.status_code == 201, r.json
    assert r.json == {"member": "alpha", "key_id": new.key_id}
    # The new key works; then the old one is revoked with the new one, and is refused.
    assert a.request("GET", "/v1/signals", key=new).status_code == 200
    r = a.request("DELETE", f"/v1/keys/{a.key.key_id}", key=new)
    assert r.status_code == 200, r.json
    assert a.request("GET", "/v1/signals").status_code == 401
    assert _types(db)[-2:] == ["key_added", "key_revoked"]


def test_last_key_needs_force_and_other_members_keys_are_out_of_reach(db, client):
    a = add_member(db, client, "alpha")
    b = add_member(db, client, "bravo")
    before = _types(db)
    r = a.request("DELETE", f"/v1/keys/{a.key.key_id}")
    assert r.status_code == 409
    assert "last active key" in r.json["detail"]
    r = a.request("DELETE", f"/v1/keys/{b.key.key_id}")
    assert r.status_code == 404
    r = a.request("POST", "/v1/keys", body=b'{"public_key": "not a key", "proof": {}}')
    assert r.status_code == 400
    # bravo's key, with a proof by bravo's key naming alpha: possession shown, but taken.
    r = a.request("POST", "/v1/keys", body=_key_body(b.key, "alpha"))
    assert r.status_code == 409
    assert _types(db) == before
    r = a.request("DELETE", f"/v1/keys/{a.key.key_id}", query={"force": "true"})
    assert r.status_code == 200
    assert a.request("GET", "/v1/signals").status_code == 401


def _stale(new, member):
    return prove_possession(new, member, now=time.time() - 3600)


def _other_member(new, member):
    return prove_possession(new, "bravo")


def _other_key(new, member):
    return prove_possession(SigningKey.generate(), member)


def _flipped(new, member):
    proof = prove_possession(new, member)
    sig = proof["sig"]
    return {**proof, "sig": ("B" if sig[0] == "A" else "A") + sig[1:]}


@pytest.mark.parametrize(
    "make_proof",
    [
        lambda new, member: None,
        lambda new, member: {},
        lambda new, member: {"created": "2026-01-01T00:00:00Z"},
        lambda new, member: {**prove_possession(new, member), "extra": 1},
        lambda new, member: {**prove_possession(new, member), "created": "yesterday"},
        _stale,
        _other_member,
        _other_key,
        _flipped,
    ],
    ids=[
        "null",
        "empty",
        "no-sig",
        "extra-field",
        "bad-time",
        "stale",
        "other-member",
        "signed-by-another-key",
        "wrong-signature",
    ],
)
def test_a_key_without_a_valid_possession_proof_is_refused(db, client, make_proof):
    a = add_member(db, client, "alpha")
    new = SigningKey.generate()
    before = _types(db)
    body = {"public_key": new.verify_key.to_pem().decode(), "proof": make_proof(new, "alpha")}
    r = a.request("POST", "/v1/keys", body=json.dumps(body).encode())
    assert r.status_code == 400, r.json
    assert r.headers["Content-Type"] == "application/problem+json"
    assert _types(db) == before
    assert a.request("GET", "/v1/signals", key=new).status_code == 401


def test_a_key_without_any_proof_is_refused(db, client):
    a = add_member(db, client, "alpha")
    new = SigningKey.generate()
    before = _types(db)
    body = json.dumps({"public_key": new.verify_key.to_pem().decode()}).encode()
    r = a.request("POST", "/v1/keys", body=body)
    assert r.status_code == 400 and "proof" in r.json["detail"]
    assert _types(db) == before


# Small-order points (the identity, a point of order 8) and a non-canonical identity: a
# signature with R = identity and S = 0 verifies for any message under such a key, so a
# possession proof means nothing unless the key itself is refused.
WEAK_KEYS = {
    "identity": "01" + "00" * 31,
    "order 8": "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "identity, non-canonical": "ee" + "ff" * 30 + "7f",
}


@pytest.mark.parametrize("raw_hex", WEAK_KEYS.values(), ids=WEAK_KEYS.keys())
def test_a_weak_public_key_is_refused_even_with_a_proof_that_verifies(db, client, raw_hex):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    a = add_member(db, client, "alpha")
    raw = bytes.fromhex(raw_hex)
    pem = Ed25519PublicKey.from_public_bytes(raw).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    forged = base64.b64encode(bytes.fromhex("01" + "00" * 63)).decode()  # R = identity, S = 0
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    body = json.dumps({"public_key": pem.decode(), "proof": {"created": created, "sig": forged}})
    before = _types(db)
    r = a.request("POST", "/v1/keys", body=body.encode())
    assert r.status_code == 400, r.json
    assert "prime-order group" in r.json["detail"]
    assert _types(db) == before
