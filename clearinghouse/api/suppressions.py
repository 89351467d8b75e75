"""Per-member suppressions: POST, GET and DELETE /v1/suppressions (matcher role)."""

from __future__ import annotations

from flask import Blueprint, jsonify

from clearinghouse.api.auth import caller, signed
from clearinghouse.api.params import json_body
from clearinghouse.api.root import current_root
from clearinghouse.services.use_cases import suppressions

__all__ = ["bp"]

bp = Blueprint("suppressions", __name__)


@bp.post("/suppressions")
@signed("matcher")
def add_suppression():
    root = current_root()
    body = json_body({"signal_id", "reason"})
    answer = suppressions.add(root.db, root.suppressions, caller(), body)
    return jsonify(answer), 201 if answer["status"] == "new" else 200


@bp.get("/suppressions")
@signed("matcher")
def list_suppressions():
    return jsonify(suppressions.listing(current_root().db, caller()))


@bp.delete("/suppressions/<int:signal_id>")
@signed("matcher")
def remove_suppression(signal_id: int):
    root = current_root()
    suppressions.remove(root.db, root.suppressions, caller(), signal_id)
    return "", 204
