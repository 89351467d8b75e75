"""``GET /v1/openapi.json``: the API described for tooling (public, DESIGN §4.1)."""

from __future__ import annotations

import functools

from flask import Blueprint, jsonify

from clearinghouse import __version__

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
        ref = {"$ref": f"#/components/schemas/{answer}"}
        success["content"] = {"application/json": {"schema": ref}}
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
                ),
                "get": _op(
                    "Look up one hash",
                    "matcher",
                    "one result",
                    params=("signal_type", "value", "max_distance", "dihedral"),
                ),
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
        },
        "components": {
            "securitySchemes": {
                "httpMessageSignature": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Signature",
                    "description": "RFC 9421 Ed25519 signature (with Signature-Input); "
                    "see docs/api.md",
                }
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
                        "queries": {"type": "array", "maxItems": 1000},
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
                "SignalPage": {
                    "type": "object",
                    "required": ["signals", "next"],
                    "description": "At most limit signals and CLEARINGHOUSE_MAX_LIST_BYTES of "
                    "JSON (the first signal is always served). next: the cursor to continue "
                    "from; it stays put when nothing changed since.",
                    "properties": {
                        "signals": {
                            "type": "array",
                            "maxItems": 1000,
                            "items": {"type": "object", "required": ["signal_id", "status"]},
                        },
                        "next": {"type": ["string", "null"]},
                    },
                },
                "PublicKey": {
                    "type": "object",
                    "required": ["public_key"],
                    "properties": {"public_key": {"type": "string"}},
                },
            },
        },
    }


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())
