"""What members hold, turned into the signals a statement is about: signal ids, the lines
`match --json` prints, and hashes (which stand for the signals they match)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from clearinghouse.client import Client, NotFoundProblem
from clearinghouse.errors import InvalidInput

__all__ = ["by_matches", "key_of", "matched", "signals_by_id"]


def signals_by_id(client: Client, ids: tuple[int, ...]) -> list[dict[str, Any]]:
    """The signals behind ``--signal-id``s, as the server shows them."""
    out = []
    for signal_id in dict.fromkeys(ids):
        try:
            signal = client.signal(signal_id)
        except NotFoundProblem:
            raise InvalidInput(f"--signal-id: no signal {signal_id}") from None
        out.append({"signal_type": signal["signal_type"], "value": signal["value"]})
    return out


def by_matches(record: dict, make: Callable[[dict], dict]) -> list[dict] | None:
    """The items of a ``match --json`` line: one per matched signal."""
    if "matches" not in record:
        return None
    matches = record["matches"]
    if not isinstance(matches, list):
        raise InvalidInput("matches: expected a list")
    return [make(m) for m in matches if isinstance(m, dict)]


def key_of(record: dict) -> tuple[str, str]:
    return str(record.get("signal_type")), json.dumps(record.get("value"), sort_keys=True)


def matched(client: Client, records: list[dict]) -> dict[tuple[str, str], list[dict]]:
    """The signals each held hash matches (a stored value matches itself at distance 0)."""
    from clearinghouse.signals import default_registry

    registry = default_registry()
    queries, keys = [], []
    for record in records:
        key = key_of(record)
        try:
            registry.parse_reference(record.get("signal_type"), record.get("value"))
        except InvalidInput:
            continue  # named as a bad line when the file is checked
        if key not in keys:
            keys.append(key)
            queries.append({"signal_type": record["signal_type"], "value": record["value"]})
    if not queries:
        return {}
    results = client.match(queries)
    return {
        key: [{"signal_type": m["signal_type"], "value": m["value"]} for m in r.get("matches", [])]
        for key, r in zip(keys, results, strict=True)
    }
