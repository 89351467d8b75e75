"""Declared incidents: POST /v1/incidents (coordinator), GET /v1/incidents (any member)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from clearinghouse.api.auth import caller, signed
from clearinghouse.api.root import current_root
from clearinghouse.services.use_cases import incidents

__all__ = ["bp"]

bp = Blueprint("incidents", __name__)


@bp.post("/incidents")
@signed("coordinator")
def post_incident():
    root = current_root()
    answer = incidents.accept_incident(
        root.db,
        root.incidents,
        root.log_key,
        root.statements.limits,
        root.statement_applied,
        caller(),
        request.get_data(cache=True),
    )
    return jsonify(answer), 201


@bp.get("/incidents")
@signed(None)
def list_incidents():
    return jsonify(incidents.listing(current_root().db))
