"""The schemas of the OpenAPI document (``components.schemas``): requests as strictly as
the server reads them (no unknown fields), answers with every field they always carry."""

from __future__ import annotations

from clearinghouse.wire import LOG_ENTRIES_LIMIT, MATCH_QUERIES_LIMIT

__all__ = ["INT", "MAX_ID", "STR", "TIME", "obj", "ref", "schemas"]

MAX_ID = 2**63 - 1


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(required: dict, optional: dict | None = None, *, closed: bool = False) -> dict:
    """An object schema; ``closed`` refuses other fields (request bodies)."""
    schema: dict = {
        "type": "object",
        "required": list(required),
        "properties": {**required, **(optional or {})},
    }
    if closed:
        schema["additionalProperties"] = False
    return schema


INT = {"type": "integer", "minimum": 0, "maximum": MAX_ID}
STR = {"type": "string"}
TIME = {"type": "string", "description": "RFC 3339 UTC time"}


def schemas() -> dict:
    """The named schemas of requests and answers (``components.schemas``)."""
    frame = obj(
        {"pdq": STR, "quality": {"type": "integer"}, "timestamp": {"type": "number"}},
        closed=True,
    )
    value = {"oneOf": [STR, {"type": "array", "items": frame}]}
    signal_fields = {
        "signal_id": INT,
        "signal_type": STR,
        "value": value,
        "status": {"type": "string", "enum": ["active", "retracted"]},
        "labels": {"type": "object", "additionalProperties": {"type": "integer"}},
        "contributors": {"type": "integer", "minimum": 0},
        "confirmed": {"type": "boolean"},
        "disputed": {"type": "boolean"},
        "first_seen": TIME,
        "last_seen": TIME,
    }
    signal = obj(
        signal_fields,
        {
            "quality": {"type": "integer"},
            "content_types": {
                "type": "array",
                "items": STR,
                "description": "the content types of the active contributions, sorted",
            },
            "is_mine": {
                "type": "boolean",
                "description": "whether the caller has an active contribution to it",
            },
        },
    )
    proof = obj({"index": INT, "tree_size": INT, "hashes": {"type": "array", "items": STR}})
    return {
        "Problem": obj(
            {"type": STR, "title": STR, "status": {"type": "integer"}, "detail": STR},
            {
                "instance": {"type": ["string", "null"]},
                "errors": {"type": "array", "items": {"type": "object"}},
            },
        ),
        "Envelope": obj(
            {
                "payloadType": STR,
                "payload": {"type": "string", "description": "base64 of the payload bytes"},
                "signatures": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 1,
                    "items": obj({"keyid": STR, "sig": STR}, closed=True),
                },
            },
            closed=True,
        ),
        "StatementReceipt": obj(
            {
                "statement_id": INT,
                "log_index": INT,
                "items": {
                    "type": "array",
                    "items": obj({"signal_id": INT, "status": STR}),
                },
                "checkpoint": {"type": "string", "description": "C2SP signed checkpoint"},
                "inclusion_proof": proof,
            }
        ),
        "Signal": signal,
        "Tombstone": obj({"signal_id": INT, "signal_type": STR, "status": {"const": "retracted"}}),
        "SignalFeed": obj(
            {
                "signals": {"type": "array", "items": {"anyOf": [signal, ref("Tombstone")]}},
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
        "Labels": obj(
            {
                "families": {
                    "type": "array",
                    "items": obj({"family": STR, "description": STR}),
                },
                "labels": {
                    "type": "array",
                    "items": obj({"label": STR, "family": STR, "description": STR}),
                },
            }
        ),
        "Me": obj({"member": STR, "key_id": STR, "roles": {"type": "array", "items": STR}}),
        "SignalDetail": {
            "allOf": [
                signal,
                obj(
                    {
                        "feedback": obj(
                            {"agree": {"type": "integer"}, "disagree": {"type": "integer"}}
                        ),
                        "your_contribution": {"type": ["object", "null"]},
                    }
                ),
            ]
        },
        "MatchRequest": obj(
            {
                "queries": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": MATCH_QUERIES_LIMIT,
                    "items": obj(
                        {"signal_type": STR, "value": value},
                        {
                            "quality": {"type": "integer"},
                            "max_distance": {"type": "integer"},
                            "level1_threshold": {"type": "number"},  # tmk only
                            "level2_threshold": {"type": "number"},
                        },
                        closed=True,
                    ),
                }
            },
            {"dihedral": {"type": "boolean"}, "suppressed": {"enum": ["mark", "drop"]}},
            closed=True,
        ),
        "MatchResults": obj(
            {
                "results": {
                    "type": "array",
                    "items": obj(
                        {
                            "matches": {
                                "type": "array",
                                "items": {
                                    "allOf": [
                                        signal,
                                        obj(
                                            {"distance": {"type": "number"}},
                                            {
                                                # "region": the nearest was a region
                                                # PDQ submitted with the signal
                                                "via": {"enum": ["signal", "region"]},
                                                "level1_score": {"type": "number"},  # tmk
                                                "level2_score": {"type": "number"},
                                                # vpdq: the frame shares, in percent
                                                # (a vPDQ match carries no frame list)
                                                "query_match_percent": {"type": "number"},
                                                "compared_match_percent": {"type": "number"},
                                            },
                                        ),
                                    ]
                                },
                            }
                        }
                    ),
                }
            }
        ),
        "SuppressionRequest": obj({"signal_id": INT, "reason": STR}, closed=True),
        "Suppression": obj(
            {"signal_id": INT, "reason": STR, "status": {"enum": ["new", "unchanged"]}}
        ),
        "Suppressions": obj(
            {
                "suppressions": {
                    "type": "array",
                    "items": obj({"signal_id": INT, "reason": STR, "created": STR}),
                }
            }
        ),
        "PublicKey": obj(
            {
                "public_key": {"type": "string", "description": "SPKI PEM, Ed25519"},
                "proof": obj(
                    {"created": TIME, "sig": {"type": "string", "description": "base64"}},
                    closed=True,
                ),
            },
            closed=True,
        ),
        "KeyAdded": obj({"member": STR, "key_id": STR}),
        "KeyRevoked": obj({"member": STR, "key_id": STR, "status": {"const": "revoked"}}),
        "LogEntries": obj(
            {
                "entries": {
                    "type": "array",
                    "maxItems": LOG_ENTRIES_LIMIT,
                    "description": f"at most {LOG_ENTRIES_LIMIT:,} entries and "
                    "CLEARINGHOUSE_MAX_LIST_BYTES of JSON (the first entry is always served)",
                    "items": obj({"index": INT, "data": {"type": "string"}}),
                },
                "next": {
                    "type": ["integer", "null"],
                    "description": "the index to continue from when entries before end were "
                    "left out, else null",
                },
            }
        ),
        "InclusionProof": proof,
        "ConsistencyProof": obj(
            {"first": INT, "second": INT, "hashes": {"type": "array", "items": STR}}
        ),
        "Health": obj({"status": STR}),
        "Ready": obj({"status": STR, "checks": {"type": "object"}}),
    }
