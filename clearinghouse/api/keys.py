"""Self-service keys: a member adds or revokes its own keys (logged)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from clearinghouse.api.auth import caller, signed
from clearinghouse.api.params import json_body
from clearinghouse.api.root import current_root
from clearinghouse.crypto import VerifyKey
from clearinghouse.errors import InvalidInput
from clearinghouse.services.use_cases import members

__all__ = ["bp"]

bp = Blueprint("keys", __name__)


@bp.post("/keys")
@signed(None)
def add_key():
    body = json_body({"public_key", "proof"})
    if not isinstance(body.get("public_key"), str) or "proof" not in body:
        raise InvalidInput('body: expected {"public_key": "<PEM>", "proof": {"created", "sig"}}')
    who = caller()
    key = VerifyKey.from_pem(body["public_key"])
    root = current_root()
    result = members.add_proven_key(
        root.db, who.member, key, body["proof"], max_skew=root.settings.signature_max_skew
    )
    return jsonify(result), 201


@bp.delete("/keys/<key_id>")
@signed(None)
def revoke_key(key_id: str):
    who = caller()
    force = request.args.get("force", "false").lower() in ("1", "true", "yes")
    result = members.revoke_key(current_root().db, who.member, key_id, force=force, by=who.member)
    return jsonify(result)
