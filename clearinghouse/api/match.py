"""Lookups: POST /v1/match for batches, GET /v1/match for one (DESIGN §5)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from clearinghouse.api.auth import caller, charge, signed
from clearinghouse.api.metrics import count_lookups
from clearinghouse.api.params import json_body
from clearinghouse.api.root import current_root
from clearinghouse.errors import InvalidInput, ServiceUnavailable
from clearinghouse.services.use_cases import matching, suppressions

__all__ = ["bp"]

bp = Blueprint("match", __name__)
READY_WAIT = 30.0
MATCH_FIELDS = frozenset({"queries", "dihedral", "suppressed"})


def _matcher():
    root = current_root()
    if not root.matcher.ready.wait(READY_WAIT):
        raise ServiceUnavailable("the indexes are still loading; retry shortly")
    return root, root.matcher


@bp.post("/match")
@signed("matcher")
def post_match():
    body = json_body(MATCH_FIELDS)
    dihedral = body.get("dihedral", False)
    if not isinstance(dihedral, bool):
        raise InvalidInput("dihedral: expected true or false")
    mode = body.get("suppressed", "mark")
    if mode not in suppressions.MODES:
        raise InvalidInput('suppressed: expected "mark" or "drop"')
    root, matcher = _matcher()
    queries = _queries(root, body.get("queries"))
    charge(len(queries) - 1)  # every query of a batch is a lookup; the request was one
    return _answer(root, _lookup(root, matcher, queries, dihedral), queries, mode)


@bp.get("/match")
@signed("matcher")
def get_match():
    query = {
        k: request.args[k]
        for k in ("signal_type", "value", "max_distance", "level1_threshold", "level2_threshold")
        if k in request.args
    }
    root, matcher = _matcher()
    queries = _queries(root, [query])
    dihedral = request.args.get("dihedral", "false").lower() in ("1", "true", "yes")
    return _answer(root, _lookup(root, matcher, queries, dihedral), queries, "mark")


def _queries(root, raw) -> list:
    return matching.parse_queries(root.registry, raw, root.settings.max_match_queries)


def _lookup(root, matcher, queries: list, dihedral: bool) -> dict:
    """The answer; matches of active incidents' signals and of held signals say so.
    Each signal matched is counted once for the request (never who asked, or what)."""
    limits = matching.LookupLimits.from_settings(root.settings)

    def mark(shown: dict[int, dict]) -> None:
        root.incidents.mark(shown)
        root.holds.mark(shown)

    answer = matcher.answer(queries, limits, dihedral=dihedral, mark=mark)
    root.hold_checker.count(answer["results"])
    return answer


def _answer(root, answer: dict, queries: list, mode: str) -> Response:
    """The answer as JSON, the caller's suppressions marked or dropped; lookups and
    matches are counted by type (never by value)."""
    answer = suppressions.apply(answer, root.suppressions.of(caller().member), mode)
    types = [q.signal.signal_type for q in queries]
    count_lookups(types, [len(r.get("matches", ())) for r in answer["results"]])
    return jsonify(answer)
