"""Reading the queries of a lookup request (DESIGN §5): every bad one listed by index."""

from __future__ import annotations

from typing import Any

from clearinghouse.errors import InvalidInput
from clearinghouse.ijson import only_fields
from clearinghouse.services.use_cases.match_query import Query
from clearinghouse.signals.items import ItemErrors
from clearinghouse.signals.registry import SignalRegistry

__all__ = ["QUERY_FIELDS", "parse_queries"]


def parse_queries(registry: SignalRegistry, raw: Any, limit: int) -> list[Query]:
    """Validate a match request's queries (at most ``limit``, each of a type of
    ``registry`` within that type's query limits); every bad one is listed with its
    index."""
    if not isinstance(raw, list) or not raw:
        raise InvalidInput("queries: expected a non-empty list")
    if len(raw) > limit:
        raise InvalidInput(f"queries: {len(raw)} queries; at most {limit} per request")
    errors = ItemErrors()
    out: list[Query] = []
    for i, item in enumerate(raw):
        query = errors.check(i, lambda item=item: _parse_query(registry, item))
        if query is not None:
            out.append(query)
    errors.raise_if_any("queries")
    return out


QUERY_FIELDS = frozenset(
    {"signal_type", "value", "quality", "max_distance", "level1_threshold", "level2_threshold"}
)


def _parse_query(registry: SignalRegistry, item: Any) -> Query:
    if not isinstance(item, dict):
        raise InvalidInput(
            "query: expected an object", errors=[{"field": "query", "reason": "expected an object"}]
        )
    only_fields(item, QUERY_FIELDS, "")
    for key in ("signal_type", "value"):
        if key not in item:
            raise InvalidInput(f"{key}: missing", errors=[{"field": key, "reason": "missing"}])
    signal = registry.parse_reference(item["signal_type"], item["value"], item.get("quality"))
    max_distance = registry.resolve_max_distance(item["signal_type"], item.get("max_distance"))
    thresholds = registry.resolve_thresholds(
        item["signal_type"], item.get("level1_threshold"), item.get("level2_threshold")
    )
    registry.get(item["signal_type"]).check_query(signal)
    return Query(signal, max_distance, thresholds)
