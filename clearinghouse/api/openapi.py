"""``GET /v1/openapi.json``: the API described for tooling (public, DESIGN §4.1).

Every operation's parameters, request body and answers are described with JSON Schema:
requests as strictly as the server reads them (no unknown fields), answers with every
field they always carry. A Schemathesis test checks every answer against this document.
"""

from __future__ import annotations

import functools

from flask import Blueprint, jsonify

from clearinghouse import __version__

bp = Blueprint("openapi", __name__)

_SIGNED = [{"httpMessageSignature": []}]
_PROBLEM = {"$ref": "#/components/responses/Problem"}
MAX_ID = 2**63 - 1


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(required: dict, optional: dict | None = None, *, closed: bool = False) -> dict:
    """An object schema; ``closed`` refuses other fields (request bodies)."""
    schema: dict = {
        "type": "object",
        "required": list(required),
        "properties": {**required, **(optional or {})},
    }
    if closed:
        schema["additionalProperties"] = False
    return schema


_INT = {"type": "integer", "minimum": 0, "maximum": MAX_ID}
_STR = {"type": "string"}
_TIME = {"type": "string", "description": "RFC 3339 UTC time"}

# Query and path parameters, by name.
_PARAMS = {
    "signal_id": ("path", {**_INT}),
    "key_id": ("path", {"type": "string", "pattern": "^[0-9a-f]{32}$"}),
    "after": ("query", {"type": "string", "description": "a cursor from `next`"}),
    "limit": ("query", {"type": "integer", "minimum": 1, "maximum": 1000}),
    "signal_type": ("query", _STR),
    "value": ("query", _STR),
    "max_distance": ("query", {"type": "integer", "minimum": 0}),
    "dihedral": ("query", {"type": "boolean"}),
    "force": ("query", {"type": "boolean"}),
    "start": ("query", _INT),
    "end": ("query", _INT),
    "index": ("query", _INT),
    "tree_size": ("query", _INT),
    "first": ("query", _INT),
    "second": ("query", _INT),
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
    content = {"application/json": {"schema": _ref(answer)}} if isinstance(answer, str) else answer
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
            "content": {"application/json": {"schema": _ref(body)}},
        }
    return op


_TEXT = {"text/plain": {"schema": {"type": "string"}}}


def _schemas() -> dict:
    frame = _obj(
        {"pdq": _STR, "quality": {"type": "integer"}, "timestamp": {"type": "number"}},
        closed=True,
    )
    value = {"oneOf": [_STR, {"type": "array", "items": frame}]}
    signal_fields = {
        "signal_id": _INT,
        "signal_type": _STR,
        "value": value,
        "status": {"type": "string", "enum": ["active", "retracted"]},
        "labels": {"type": "object", "additionalProperties": {"type": "integer"}},
        "contributors": {"type": "integer", "minimum": 0},
        "confirmed": {"type": "boolean"},
        "disputed": {"type": "boolean"},
        "first_seen": _TIME,
        "last_seen": _TIME,
    }
    signal = _obj(
        signal_fields,
        {
            "quality": {"type": "integer"},
            "content_types": {
                "type": "array",
                "items": _STR,
                "description": "the content types of the active contributions, sorted",
            },
            "is_mine": {
                "type": "boolean",
                "description": "whether the caller has an active contribution to it",
            },
        },
    )
    proof = _obj({"index": _INT, "tree_size": _INT, "hashes": {"type": "array", "items": _STR}})
    return {
        "Problem": _obj(
            {"type": _STR, "title": _STR, "status": {"type": "integer"}, "detail": _STR},
            {
                "instance": {"type": ["string", "null"]},
                "errors": {"type": "array", "items": {"type": "object"}},
            },
        ),
        "Envelope": _obj(
            {
                "payloadType": _STR,
                "payload": {"type": "string", "description": "base64 of the payload bytes"},
                "signatures": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 1,
                    "items": _obj({"keyid": _STR, "sig": _STR}, closed=True),
                },
            },
            closed=True,
        ),
        "StatementReceipt": _obj(
            {
                "statement_id": _INT,
                "log_index": _INT,
                "items": {
                    "type": "array",
                    "items": _obj({"signal_id": _INT, "status": _STR}),
                },
                "checkpoint": {"type": "string", "description": "C2SP signed checkpoint"},
                "inclusion_proof": proof,
            }
        ),
        "Signal": signal,
        "Tombstone": _obj(
            {"signal_id": _INT, "signal_type": _STR, "status": {"const": "retracted"}}
        ),
        "SignalFeed": _obj(
            {
                "signals": {"type": "array", "items": {"anyOf": [signal, _ref("Tombstone")]}},
                "next": {
                    "type": ["string", "null"],
                    "description": "the cursor to pass as `after` for the next page; an empty "
                    "page keeps the caller's cursor",
                },
                "checkpoint_time": {
                    "type": ["string", "null"],
                    "description": "the time of the log entry `next` stands at, or of the "
                    "latest entry once caught up; null for an empty log",
                },
            }
        ),
        "Labels": _obj(
            {
                "families": {
                    "type": "array",
                    "items": _obj({"family": _STR, "description": _STR}),
                },
                "labels": {
                    "type": "array",
                    "items": _obj({"label": _STR, "family": _STR, "description": _STR}),
                },
            }
        ),
        "Me": _obj({"member": _STR, "key_id": _STR, "roles": {"type": "array", "items": _STR}}),
        "SignalDetail": {
            "allOf": [
                signal,
                _obj(
                    {
                        "feedback": _obj(
                            {"agree": {"type": "integer"}, "disagree": {"type": "integer"}}
                        ),
                        "your_contribution": {"type": ["object", "null"]},
                    }
                ),
            ]
        },
        "MatchRequest": _obj(
            {
                "queries": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 1000,
                    "items": _obj(
                        {"signal_type": _STR, "value": value},
                        {"quality": {"type": "integer"}, "max_distance": {"type": "integer"}},
                        closed=True,
                    ),
                }
            },
            {"dihedral": {"type": "boolean"}},
            closed=True,
        ),
        "MatchResults": _obj(
            {
                "results": {
                    "type": "array",
                    "items": _obj(
                        {
                            "matches": {
                                "type": "array",
                                "items": {
                                    "allOf": [signal, _obj({"distance": {"type": "number"}})]
                                },
                            }
                        }
                    ),
                }
            }
        ),
        "PublicKey": _obj(
            {
                "public_key": {"type": "string", "description": "SPKI PEM, Ed25519"},
                "proof": _obj(
                    {"created": _TIME, "sig": {"type": "string", "description": "base64"}},
                    closed=True,
                ),
            },
            closed=True,
        ),
        "KeyAdded": _obj({"member": _STR, "key_id": _STR}),
        "KeyRevoked": _obj({"member": _STR, "key_id": _STR, "status": {"const": "revoked"}}),
        "LogEntries": _obj(
            {
                "entries": {
                    "type": "array",
                    "maxItems": 1000,
                    "description": "at most 1,000 entries and CLEARINGHOUSE_MAX_LIST_BYTES of "
                    "JSON (the first entry is always served)",
                    "items": _obj({"index": _INT, "data": {"type": "string"}}),
                },
                "next": {
                    "type": ["integer", "null"],
                    "description": "the index to continue from when entries before end were "
                    "left out, else null",
                },
            }
        ),
        "InclusionProof": proof,
        "ConsistencyProof": _obj(
            {"first": _INT, "second": _INT, "hashes": {"type": "array", "items": _STR}}
        ),
        "Health": _obj({"status": _STR}),
        "Ready": _obj({"status": _STR, "checks": {"type": "object"}}),
    }


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
                    "Look up up to 1,000 hashes", "matcher", "MatchResults", body="MatchRequest"
                ),
                "get": _op(
                    "Look up one hash",
                    "matcher",
                    "MatchResults",
                    params=("signal_type", "value", "max_distance", "dihedral"),
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
                    "Consistency proof", "auditor", "ConsistencyProof", params=("first", "second")
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
                    "content": {"application/problem+json": {"schema": _ref("Problem")}},
                }
            },
            "schemas": {
                **_schemas(),
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
                    "application/problem+json": {"schema": _ref("Problem")},
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
