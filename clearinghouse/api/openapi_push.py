"""OpenAPI schemas of declared incidents and webhook subscriptions (DESIGN §14), and of
a held signal's release (§15)."""

from __future__ import annotations

from clearinghouse.api.openapi_schemas import INT, STR, obj

__all__ = ["push_schemas"]


def push_schemas() -> dict:
    """Schemas of incidents and webhook subscriptions (``components.schemas``)."""
    strings = {"type": "array", "items": STR}
    filters = obj(
        {},
        {
            "signal_types": strings,
            "labels": {**strings, "description": "labels, or families as family:*"},
            "incidents": strings,
            "only_confirmed": {"type": "boolean"},
        },
        closed=True,
    )
    shown = obj(
        {"id": STR, "url": STR, "filters": filters, "status": {"enum": ["active", "paused"]},
         "created": STR},
        {"paused_reason": STR, "retrying": {"type": "object"}},
    )  # fmt: skip
    incident = obj(
        {"incident": STR, "label": STR, "title": STR, "summary": STR,
         "status": {"enum": ["active", "concluded"]}, "declared_by": STR, "declared": STR,
         "updated": STR, "concluded": {"type": ["string", "null"]}},
    )  # fmt: skip
    return {
        "Incidents": obj({"incidents": {"type": "array", "items": incident}}),
        "IncidentReceipt": obj(
            {
                "statement_id": INT,
                "log_index": INT,
                "incident": incident,
                "checkpoint": STR,
                "inclusion_proof": {"$ref": "#/components/schemas/InclusionProof"},
            },
        ),
        "ReleaseReceipt": obj(
            {
                "statement_id": INT,
                "log_index": INT,
                "hold": obj(
                    {
                        "signal_id": INT,
                        "status": {"enum": ["held", "released"]},
                        "by": STR,
                        "reason": STR,
                        "time": STR,
                        "log_index": INT,
                    },
                ),
                "checkpoint": STR,
                "inclusion_proof": {"$ref": "#/components/schemas/InclusionProof"},
            },
        ),
        "SubscriptionRequest": obj({"url": STR}, {"filters": filters}, closed=True),
        "SubscriptionCreated": {"allOf": [shown, obj({"secret": STR})]},
        "Subscriptions": obj({"subscriptions": {"type": "array", "items": shown}}),
    }
