"""A contributor's release of a held signal: POST /v1/releases (a signed statement)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from clearinghouse.api.auth import caller, signed
from clearinghouse.api.root import current_root
from clearinghouse.services.use_cases import releases

__all__ = ["bp"]

bp = Blueprint("releases", __name__)


@bp.post("/releases")
@signed("submitter")
def post_release():
    root = current_root()
    answer = releases.accept_release(
        root.db,
        root.holds,
        root.log_key,
        root.statements.limits,
        root.statement_applied,
        caller(),
        request.get_data(cache=True),
    )
    return jsonify(answer), 201
