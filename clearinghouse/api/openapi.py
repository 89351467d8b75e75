"""``GET /v1/openapi.json``: the API described for tooling (public, DESIGN §4.1)."""

from __future__ import annotations

import functools

from flask import Blueprint, jsonify

from clearinghouse import __version__
from clearinghouse.wire import MATCH_QUERIES_LIMIT

bp = Blueprint("openapi", __name__)

_PROBLEM = {"$ref": "#/components/responses/Problem"}
_SIGNED = [{"httpMessageSignature": []}]


def _op(
    summary: str,
    role: str | None,
    ok: str,
    *,
    body: str | None = None,
    params: tuple[str, ...] = (),
    created: bool = False,
    answer: str | None = None,
) -> dict:
    """One operation: its summary, the role it needs, parameters and responses."""
    success: dict = {"description": ok}
    if answer:
        schema = {"$ref": f"#/components/schemas/{answer}"}
        success["content"] = {"application/json": {"schema": schema}}
    op: dict = {
        "summary": summary,
        "responses": {("201" if created else "200"): success, "default": _PROBLEM},
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
                "in": "path" if p.endswith("_id") else "query",
                "required": p.endswith("_id"),
                "schema": {"type": "string"},
            }
            for p in params
        ]
    if body:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{body}"}}},
        }
    return op


_SIGNAL = {
    "type": "object",
    "description": "A live signal, or a retracted one as a tombstone "
    "(signal_id, signal_type, status only).",
    "required": ["signal_id", "signal_type", "status"],
    "properties": {
        "signal_id": {"type": "integer"},
        "signal_type": {"type": "string"},
        "value": {"description": "hex digest, or for vpdq a list of frames"},
        "status": {"type": "string", "enum": ["active", "retracted"]},
        "labels": {"type": "object", "additionalProperties": {"type": "integer"}},
        "contributors": {"type": "integer"},
        "confirmed": {"type": "boolean"},
        "disputed": {"type": "boolean"},
        "first_seen": {"type": "string", "format": "date-time"},
        "last_seen": {"type": "string", "format": "date-time"},
        "quality": {"type": "integer"},
        "content_types": {
            "type": "array",
            "items": {"type": "string"},
            "description": "the content types of the active contributions, sorted",
        },
        "is_mine": {
            "type": "boolean",
            "description": "whether the caller has an active contribution to it",
        },
    },
}

_MATCH = {
    "type": "object",
    "description": "a live signal's state and its distance from the query",
    "required": [
        "signal_id",
        "signal_type",
        "value",
        "status",
        "labels",
        "contributors",
        "confirmed",
        "disputed",
        "first_seen",
        "last_seen",
        "distance",
    ],
    "properties": {
        **{k: v for k, v in _SIGNAL["properties"].items() if k not in ("content_types", "is_mine")},
        "distance": {
            "type": "integer",
            "minimum": 0,
            "description": "Hamming distance; 0 for exact types; for vpdq the share (%) "
            "of query frames that matched no frame",
        },
    },
}

_MATCH_RESULTS = {
    "type": "object",
    "required": ["results"],
    "properties": {
        "results": {
            "type": "array",
            "description": "one result per query, in query order",
            "items": {
                "type": "object",
                "required": ["matches"],
                "properties": {
                    "matches": {
                        "type": "array",
                        "items": _MATCH,
                        "description": "at most CLEARINGHOUSE_MAX_MATCHES_PER_QUERY, "
                        "nearest first (distance, then signal_id)",
                    },
                    "truncated": {
                        "type": "boolean",
                        "const": True,
                        "description": "present when more signals were within max_distance",
                    },
                    "total": {
                        "type": "integer",
                        "minimum": 0,
                        "description": "present with truncated: how many were within "
                        "max_distance (with dihedral, the largest count of one form)",
                    },
                },
            },
        }
    },
}

_SIGNAL_PAGE = {
    "type": "object",
    "required": ["signals", "next", "checkpoint_time"],
    "properties": {
        "signals": {
            "type": "array",
            "items": _SIGNAL,
            "maxItems": 1000,
            "description": "at most `limit` signals and CLEARINGHOUSE_MAX_LIST_BYTES of JSON "
            "(the first signal is always served); follow `next` for the rest",
        },
        "next": {
            "type": ["string", "null"],
            "description": "the cursor to pass as `after` for the next page; an empty "
            "page keeps the caller's cursor",
        },
        "checkpoint_time": {
            "type": ["string", "null"],
            "format": "date-time",
            "description": "the time of the log entry `next` stands at, or of the latest "
            "entry once caught up; null for an empty log. Never goes back from page to page.",
        },
    },
}


@functools.cache
def document() -> dict:
    """The OpenAPI 3.1 document, built once on first request."""
    statement = "a DSSE envelope signed by the calling member"
    return {
        "openapi": "3.1.0",
        "info": {"title": "Clearinghouse", "version": __version__},
        "paths": {
            "/v1/submissions": {
                "post": _op("Submit hashes", "submitter", statement, body="Envelope", created=True)
            },
            "/v1/retractions": {
                "post": _op(
                    "Retract contributions", "submitter", statement, body="Envelope", created=True
                )
            },
            "/v1/feedback": {
                "post": _op(
                    "Agree or disagree with signals",
                    "matcher",
                    statement,
                    body="Envelope",
                    created=True,
                )
            },
            "/v1/signals": {
                "get": _op(
                    "Change feed of signal states",
                    "matcher",
                    "a page of signals, bounded in count and bytes",
                    params=("after", "limit"),
                    answer="SignalPage",
                )
            },
            "/v1/signals/{signal_id}": {
                "get": _op("One signal", "matcher", "the signal", params=("signal_id",))
            },
            "/v1/match": {
                "post": _op(
                    "Look up up to 1,000 hashes",
                    "matcher",
                    "results in query order",
                    body="MatchRequest",
                    answer="MatchResults",
                ),
                "get": _op(
                    "Look up one hash",
                    "matcher",
                    "one result",
                    params=("signal_type", "value", "max_distance", "dihedral"),
                    answer="MatchResults",
                ),
            },
            "/v1/labels": {
                "get": _op(
                    "The label taxonomy in force: families and labels with descriptions",
                    "any",
                    "the taxonomy",
                )
            },
            "/v1/members/me": {
                "get": _op("The member, key_id and roles of the signing key", "any", "the caller")
            },
            "/v1/keys": {
                "post": _op("Add a key", "any", "the key", body="PublicKey", created=True)
            },
            "/v1/keys/{key_id}": {
                "delete": _op("Revoke a key", "any", "revoked", params=("key_id", "force"))
            },
            "/v1/log/checkpoint": {"get": _op("Latest signed checkpoint", None, "text/plain")},
            "/v1/log/key": {"get": _op("Checkpoint verifier key", None, "text/plain vkey")},
            "/v1/log/entries": {
                "get": _op(
                    "Log entries",
                    "auditor",
                    "a page of entries, bounded in count and bytes",
                    params=("start", "end"),
                    answer="LogEntryPage",
                )
            },
            "/v1/log/proof/inclusion": {
                "get": _op("Inclusion proof", "auditor", "proof", params=("index", "tree_size"))
            },
            "/v1/log/proof/consistency": {
                "get": _op("Consistency proof", "auditor", "proof", params=("first", "second"))
            },
            "/v1/openapi.json": {"get": _op("This document", None, "OpenAPI 3.1")},
            "/v1/site/login": {
                "post": {
                    **_op("A one-time sign-in URL for the site", "any", "", created=True),
                    "responses": {
                        "201": _json("the URL (valid expires_in seconds, opens once)", "SiteLink"),
                        "default": _PROBLEM,
                    },
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
                    "content": {
                        "application/problem+json": {
                            "schema": {
                                "type": "object",
                                "required": ["type", "title", "status", "detail"],
                            }
                        }
                    },
                }
            },
            "schemas": {
                "Envelope": {
                    "type": "object",
                    "required": ["payloadType", "payload", "signatures"],
                    "properties": {
                        "payloadType": {"type": "string"},
                        "payload": {"type": "string"},
                        "signatures": {"type": "array"},
                    },
                },
                "MatchRequest": {
                    "type": "object",
                    "required": ["queries"],
                    "properties": {
                        "queries": {"type": "array", "maxItems": MATCH_QUERIES_LIMIT},
                        "dihedral": {"type": "boolean"},
                    },
                },
                "LogEntryPage": {
                    "type": "object",
                    "required": ["entries", "next"],
                    "additionalProperties": False,
                    "description": "At most 1,000 entries and CLEARINGHOUSE_MAX_LIST_BYTES of "
                    "JSON (the first entry is always served). next: the index to continue "
                    "from when entries before end were left out, else null.",
                    "properties": {
                        "entries": {
                            "type": "array",
                            "maxItems": 1000,
                            "items": {
                                "type": "object",
                                "required": ["index", "data"],
                                "additionalProperties": False,
                                "properties": {
                                    "index": {"type": "integer", "minimum": 0},
                                    "data": {"type": "string", "contentEncoding": "base64"},
                                },
                            },
                        },
                        "next": {"type": ["integer", "null"], "minimum": 1},
                    },
                },
                "SiteLink": {
                    "type": "object",
                    "required": ["url", "expires_in", "member"],
                    "properties": {
                        "url": {"type": "string"},
                        "expires_in": {"type": "integer"},
                        "member": {"type": "string"},
                    },
                },
                "ConsistencyProof": {
                    "type": "object",
                    "required": ["first", "second", "hashes"],
                    "properties": {
                        "first": {"type": "integer"},
                        "second": {"type": "integer"},
                        "hashes": {"type": "array", "items": {"type": "string"}},
                    },
                },
                "SignalPage": _SIGNAL_PAGE,
                "MatchResults": _MATCH_RESULTS,
                "PublicKey": {
                    "type": "object",
                    "required": ["public_key"],
                    "properties": {"public_key": {"type": "string"}},
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
        "responses": {"200": page, "default": {**page, "description": "an error page"}},
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
