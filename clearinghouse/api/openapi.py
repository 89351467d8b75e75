"""``GET /v1/openapi.json``: the API described for tooling (public, DESIGN §4.1).

Every operation's parameters, request body and answers are described with JSON Schema
(the schemas are ``api/openapi_schemas.py``). A Schemathesis test checks every answer
against this document.
"""

from __future__ import annotations

import functools

from flask import Blueprint, jsonify

from clearinghouse import __version__
from clearinghouse.api.openapi_push import push_schemas
from clearinghouse.api.openapi_schemas import INT, STR, ref, schemas
from clearinghouse.wire import FEED_PAGE_LIMIT, KEY_ID, MATCH_QUERIES_LIMIT

__all__ = ["bp", "document"]

bp = Blueprint("openapi", __name__)

_SIGNED = [{"httpMessageSignature": []}]
_PROBLEM = {"$ref": "#/components/responses/Problem"}


# Query and path parameters, by name.
_PARAMS = {
    "signal_id": ("path", {**INT}),
    "key_id": ("path", {"type": "string", "pattern": f"^{KEY_ID.pattern}$"}),
    "after": ("query", {"type": "string", "description": "a cursor from `next`"}),
    "limit": ("query", {"type": "integer", "minimum": 1, "maximum": FEED_PAGE_LIMIT}),
    "signal_type": ("query", STR),
    "value": ("query", STR),
    "max_distance": ("query", {"type": "integer", "minimum": 0}),
    "dihedral": ("query", {"type": "boolean"}),
    "level1_threshold": ("query", {"type": "number", "minimum": 0, "maximum": 1}),
    "level2_threshold": ("query", {"type": "number", "minimum": 0, "maximum": 1}),
    "force": ("query", {"type": "boolean"}),
    "start": ("query", INT),
    "end": ("query", INT),
    "index": ("query", INT),
    "tree_size": ("query", INT),
    "first": ("query", INT),
    "second": ("query", INT),
    "subscription_id": ("path", STR),
}
_REQUIRED_QUERY = {"start", "end", "index", "tree_size", "first", "second", "signal_type", "value"}


def _op(
    summary: str,
    role: str | None,
    answer: str | dict,
    *,
    body: str | None = None,
    params: tuple[str, ...] = (),
    created: bool = False,
    required: frozenset[str] | set[str] = frozenset(_REQUIRED_QUERY),
) -> dict:
    """One operation: its summary, the role it needs, parameters and answers."""
    content = {"application/json": {"schema": ref(answer)}} if isinstance(answer, str) else answer
    op: dict = {
        "summary": summary,
        "responses": {
            ("201" if created else "200"): {"description": summary, "content": content},
            "default": {"$ref": "#/components/responses/Problem"},
        },
    }
    if role is not None:
        op["security"] = _SIGNED
        op["description"] = f"Needs an RFC 9421 signature by a member with the {role} role."
    else:
        op["security"] = []
    if params:
        op["parameters"] = [
            {
                "name": p,
                "in": _PARAMS[p][0],
                "required": _PARAMS[p][0] == "path" or p in required,
                "schema": _PARAMS[p][1],
            }
            for p in params
        ]
    if body:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": ref(body)}},
        }
    return op


_TEXT = {"text/plain": {"schema": {"type": "string"}}}


@functools.cache
def document() -> dict:
    """The OpenAPI 3.1 document, built once on first request."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Clearinghouse", "version": __version__},
        "paths": {
            "/v1/submissions": {
                "post": _op(
                    "Submit hashes", "submitter", "StatementReceipt", body="Envelope", created=True
                )
            },
            "/v1/retractions": {
                "post": _op(
                    "Retract contributions",
                    "submitter",
                    "StatementReceipt",
                    body="Envelope",
                    created=True,
                )
            },
            "/v1/feedback": {
                "post": _op(
                    "Agree or disagree with signals",
                    "matcher",
                    "StatementReceipt",
                    body="Envelope",
                    created=True,
                )
            },
            "/v1/signals": {
                "get": _op(
                    "Change feed of signal states",
                    "matcher",
                    "SignalFeed",
                    params=("after", "limit"),
                )
            },
            "/v1/signals/{signal_id}": {
                "get": _op("One signal", "matcher", "SignalDetail", params=("signal_id",))
            },
            "/v1/match": {
                "post": _op(
                    f"Look up up to {MATCH_QUERIES_LIMIT:,} hashes",
                    "matcher",
                    "MatchResults",
                    body="MatchRequest",
                ),
                "get": _op(
                    "Look up one hash",
                    "matcher",
                    "MatchResults",
                    params=(
                        "signal_type",
                        "value",
                        "max_distance",
                        "dihedral",
                        "level1_threshold",
                        "level2_threshold",
                    ),
                ),
            },
            "/v1/labels": {
                "get": _op(
                    "The label taxonomy in force: families and labels with descriptions",
                    "any",
                    "Labels",
                )
            },
            "/v1/members/me": {
                "get": _op("The member, key_id and roles of the signing key", "any", "Me")
            },
            "/v1/keys": {
                "post": _op("Add a key", "any", "KeyAdded", body="PublicKey", created=True)
            },
            "/v1/keys/{key_id}": {
                "delete": _op("Revoke a key", "any", "KeyRevoked", params=("key_id", "force"))
            },
            "/v1/log/checkpoint": {"get": _op("Latest signed checkpoint", None, _TEXT)},
            "/v1/log/key": {"get": _op("Checkpoint verifier key", None, _TEXT)},
            "/v1/log/entries": {
                "get": _op("Log entries", "auditor", "LogEntries", params=("start", "end"))
            },
            "/v1/log/proof/inclusion": {
                "get": _op(
                    "Inclusion proof", "auditor", "InclusionProof", params=("index", "tree_size")
                )
            },
            "/v1/log/proof/consistency": {
                "get": _op(
                    "Consistency proof",
                    "matcher or auditor",
                    "ConsistencyProof",
                    params=("first", "second"),
                )
            },
            "/v1/openapi.json": {
                "get": _op(
                    "This document", None, {"application/json": {"schema": {"type": "object"}}}
                )
            },
            "/healthz": {"get": _op("Alive", None, "Health")},
            "/readyz": {"get": _op("Ready to serve", None, "Ready")},
            "/v1/site/login": {
                "post": {
                    **_op("A one-time sign-in URL for the site", "any", "", created=True),
                    "responses": {
                        "201": _json("the URL (valid expires_in seconds, opens once)", "SiteLink"),
                        "default": _PROBLEM,
                    },
                }
            },
            "/v1/incidents": {
                "post": _op(
                    "Declare, update or conclude an incident",
                    "coordinator",
                    "IncidentReceipt",
                    body="Envelope",
                    created=True,
                ),
                "get": _op("Declared incidents", "any", "Incidents"),
            },
            "/v1/releases": {
                "post": _op(
                    "Release a held signal you contribute",
                    "submitter",
                    "ReleaseReceipt",
                    body="Envelope",
                    created=True,
                )
            },
            "/v1/subscriptions": {
                "post": _op(
                    "Register a webhook endpoint (its secret is answered once)",
                    "matcher",
                    "SubscriptionCreated",
                    body="SubscriptionRequest",
                    created=True,
                ),
                "get": _op("Your webhook subscriptions", "matcher", "Subscriptions"),
            },
            "/v1/subscriptions/{subscription_id}": {
                "delete": {
                    **_op("Remove a subscription", "matcher", "", params=("subscription_id",)),
                    "responses": {"204": {"description": "removed"}, "default": _PROBLEM},
                }
            },
            "/v1/suppressions": {
                "post": _op(
                    "Never match a signal for yourself (private, not logged)",
                    "matcher",
                    "Suppression",
                    body="SuppressionRequest",
                    created=True,
                ),
                "get": _op("Your suppressions", "matcher", "Suppressions"),
            },
            "/v1/suppressions/{signal_id}": {
                "delete": {
                    **_op("Remove a suppression", "matcher", "", params=("signal_id",)),
                    "responses": {"204": {"description": "removed"}, "default": _PROBLEM},
                }
            },
            **_site_paths(),
        },
        "components": {
            "securitySchemes": {
                "httpMessageSignature": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Signature",
                    "description": "RFC 9421 Ed25519 signature (with Signature-Input); "
                    "see docs/api.md",
                },
                "metricsToken": {"type": "http", "scheme": "bearer"},
            },
            "responses": {
                "Problem": {
                    "description": "RFC 9457 problem",
                    "content": {"application/problem+json": {"schema": ref("Problem")}},
                }
            },
            "schemas": {
                **schemas(),
                **push_schemas(),
                "SiteLink": {
                    "type": "object",
                    "required": ["url", "expires_in", "member"],
                    "properties": {
                        "url": {"type": "string"},
                        "expires_in": {"type": "integer"},
                        "member": {"type": "string"},
                    },
                },
            },
        },
    }


def _json(description: str, schema: str) -> dict:
    ref = {"$ref": f"#/components/schemas/{schema}"}
    return {"description": description, "content": {"application/json": {"schema": ref}}}


def _html(summary: str, params: tuple[str, ...] = ()) -> dict:
    """A page of the transparency site (DESIGN §13): public HTML, errors as HTML pages."""
    page = {"description": "an HTML page", "content": {"text/html": {"schema": {"type": "string"}}}}
    op: dict = {
        "summary": summary,
        "security": [],
        "responses": {
            "200": page,
            "default": {
                "description": "an error page; problem+json for a path no page matches",
                "content": {
                    **page["content"],
                    "application/problem+json": {"schema": ref("Problem")},
                },
            },
        },
    }
    if params:
        op["parameters"] = [
            {"name": p, "in": "path" if p in ("index", "signal_id") else "query",
             "required": p in ("index", "signal_id"), "schema": {"type": "integer"}}
            for p in params
        ]  # fmt: skip
    return {"get": op}


def _site_paths() -> dict:
    """The transparency site and the operations endpoint, outside /v1."""
    csv = {"description": "the report", "content": {"text/csv": {"schema": {"type": "string"}}}}
    metrics = {"text/plain": {"schema": {"type": "string"}}}
    page = {"text/html": {"schema": {"type": "string"}}}
    return {
        "/": _html("The latest checkpoint and newest entries"),
        "/log": _html("Log entries, newest first, paged", ("before",)),
        "/log/{index}": _html("One log entry with its inclusion proof", ("index",)),
        "/members": _html("Members, roles and keys"),
        "/incidents": _html("Declared incidents with their times and figures"),
        "/incidents/{slug}": _html(
            "One incident: times, new signals by type over time, members", ("slug",)
        ),
        "/report": _html("The transparency report"),
        "/signals/{signal_id}": _html(
            "One signal's history (signed-in auditors and matchers)", ("signal_id",)
        ),
        "/report.csv": {
            "get": {
                "summary": "The report as CSV",
                "security": [],
                "responses": {"200": csv, "default": _PROBLEM},
            }
        },
        "/site/signin": {
            "get": {
                "summary": "Open a one-time sign-in URL: sets a read-only session cookie",
                "security": [],
                "parameters": [
                    {"name": "token", "in": "query", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    "303": {"description": "signed in; Set-Cookie and a redirect to /"},
                    "default": {"description": "an error page", "content": page},
                },
            }
        },
        "/site/signout": {
            "post": {
                "summary": "End the browser's session",
                "security": [],
                "responses": {"303": {"description": "signed out; a redirect to /"}},
            }
        },
        "/site/proof/consistency": {
            "get": {
                **_op(
                    "Consistency proof for the site's script", None, "", params=("first", "second")
                ),
                "responses": {"200": _json("proof", "ConsistencyProof"), "default": _PROBLEM},
            }
        },
        "/metrics": {
            "get": {
                "summary": "Prometheus metrics (bearer token or separate listen address)",
                "security": [{"metricsToken": []}],
                "responses": {
                    "200": {"description": "exposition format", "content": metrics},
                    "default": _PROBLEM,
                },
            }
        },
    }


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())
