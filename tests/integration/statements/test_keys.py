"""Self-service keys: a member adds and revokes its own keys; both are logged, and a
revoked key is refused at once."""

import json

from support import add_member

from clearinghouse.crypto import SigningKey
from clearinghouse.store.log import log_size, read_entries


def _types(context):
    with context.db.read() as s:
        return [json.loads(d)["type"] for _, d in read_entries(s, 0, log_size(s))]


def test_add_then_revoke_a_key(context, client):
    a = add_member(context, client, "alpha")
    new = SigningKey.generate()
    body = json.dumps({"public_key": new.verify_key.to_pem().decode()}).encode()
    r = a.request("POST", "/v1/keys", body=body)
    assert r.status_code == 201, r.json
    assert r.json == {"member": "alpha", "key_id": new.key_id}
    # The new key works; then the old one is revoked with the new one, and is refused.
    assert a.request("GET", "/v1/signals", key=new).status_code == 200
    r = a.request("DELETE", f"/v1/keys/{a.key.key_id}", key=new)
    assert r.status_code == 200, r.json
    assert a.request("GET", "/v1/signals").status_code == 401
    assert _types(context)[-2:] == ["key_added", "key_revoked"]


def test_last_key_needs_force_and_other_members_keys_are_out_of_reach(context, client):
    a = add_member(context, client, "alpha")
    b = add_member(context, client, "bravo")
    before = _types(context)
    r = a.request("DELETE", f"/v1/keys/{a.key.key_id}")
    assert r.status_code == 409
    assert "last active key" in r.json["detail"]
    r = a.request("DELETE", f"/v1/keys/{b.key.key_id}")
    assert r.status_code == 404
    r = a.request("POST", "/v1/keys", body=b'{"public_key": "not a key"}')
    assert r.status_code == 400
    r = a.request(
        "POST",
        "/v1/keys",
        body=json.dumps({"public_key": b.key.verify_key.to_pem().decode()}).encode(),
    )
    assert r.status_code == 409
    assert _types(context) == before
    r = a.request("DELETE", f"/v1/keys/{a.key.key_id}", query={"force": "true"})
    assert r.status_code == 200
    assert a.request("GET", "/v1/signals").status_code == 401
