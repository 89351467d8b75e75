"""Lookups: POST /v1/match for batches, GET /v1/match for one (DESIGN §5)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from clearinghouse.api.auth import signed
from clearinghouse.api.root import current_root
from clearinghouse.errors import InvalidInput, ServiceUnavailable
from clearinghouse.services import matching

bp = Blueprint("match", __name__)
READY_WAIT = 30.0


def _matcher():
    root = current_root()
    if not root.matcher.ready.wait(READY_WAIT):
        raise ServiceUnavailable("the indexes are still loading; retry shortly")
    return root, root.matcher


@bp.post("/match")
@signed("matcher")
def post_match():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput('body: expected {"queries": [...], "dihedral"?: bool}')
    dihedral = body.get("dihedral", False)
    if not isinstance(dihedral, bool):
        raise InvalidInput("dihedral: expected true or false")
    root, matcher = _matcher()
    queries = matching.parse_queries(root, body.get("queries"))
    return jsonify(matching.match(root, matcher, queries, dihedral))


@bp.get("/match")
@signed("matcher")
def get_match():
    query = {
        k: request.args[k] for k in ("signal_type", "value", "max_distance") if k in request.args
    }
    root, matcher = _matcher()
    queries = matching.parse_queries(root, [query])
    dihedral = request.args.get("dihedral", "false").lower() in ("1", "true", "yes")
    return jsonify(matching.match(root, matcher, queries, dihedral))
