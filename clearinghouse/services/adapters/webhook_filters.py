"""A subscription's filters: read strictly from the request, and applied to each change.

All given filters must hold (and); an empty list lets everything through. A label filter
names a label (``behaviour:glorification-of-terrorist-acts``) or a whole family
(``entity:*``). Incident events pass unless an ``incidents`` filter leaves them out.
A tombstone carries no labels, so it is judged by every label its signal was ever given:
a member hears of the retraction of what its filters let it hear of.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from clearinghouse.errors import InvalidInput
from clearinghouse.signals.taxonomy import Taxonomy
from clearinghouse.wire import INCIDENT_SLUG, SIGNAL_TYPES

__all__ = ["FILTER_LIST_LIMIT", "Filters"]

FILTER_LIST_LIMIT = 100  # entries per filter list
_FAMILY = re.compile(r"(?P<family>[a-z]+):\*")
_FIELDS = ("signal_types", "labels", "incidents", "only_confirmed")


@dataclass(frozen=True)
class Filters:
    signal_types: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    incidents: tuple[str, ...] = ()
    only_confirmed: bool = False

    @classmethod
    def read(cls, raw: Any, taxonomy: Taxonomy) -> Filters:
        """Filters from a request body's ``filters`` (absent: none); every bad one listed."""
        if raw is None:
            return cls()
        if not isinstance(raw, dict):
            raise InvalidInput("filters: expected an object")
        unknown = sorted(raw.keys() - set(_FIELDS))
        if unknown:
            raise InvalidInput(f"filters: unexpected {', '.join(unknown)}")
        errors: list[dict] = []
        types = _strings(raw, "signal_types", errors)
        for n, t in enumerate(types):
            if t not in SIGNAL_TYPES:
                errors.append({"field": f"filters.signal_types[{n}]", "reason": f"unknown {t!r}"})
        labels = _strings(raw, "labels", errors)
        for n, label in enumerate(labels):
            family = _FAMILY.fullmatch(label)
            known = family["family"] in taxonomy.families if family else label in taxonomy
            if not known and not label.startswith("incident:"):
                reason = f"unknown label {label!r} (a label, or a family as family:*)"
                errors.append({"field": f"filters.labels[{n}]", "reason": reason})
        incidents = _strings(raw, "incidents", errors)
        for n, slug in enumerate(incidents):
            if not INCIDENT_SLUG.fullmatch(slug) or len(slug) > 63:
                reason = f"{slug[:70]!r} is not an incident slug"
                errors.append({"field": f"filters.incidents[{n}]", "reason": reason})
        only_confirmed = raw.get("only_confirmed", False)
        if not isinstance(only_confirmed, bool):
            errors.append({"field": "filters.only_confirmed", "reason": "expected true or false"})
        if errors:
            raise InvalidInput(f"filters: {len(errors)} bad", errors=errors)
        return cls(tuple(types), tuple(labels), tuple(incidents), only_confirmed)

    @classmethod
    def from_stored(cls, stored: dict) -> Filters:
        return cls(
            tuple(stored.get("signal_types", ())),
            tuple(stored.get("labels", ())),
            tuple(stored.get("incidents", ())),
            bool(stored.get("only_confirmed", False)),
        )

    def to_dict(self) -> dict:
        return {
            "signal_types": list(self.signal_types),
            "labels": list(self.labels),
            "incidents": list(self.incidents),
            "only_confirmed": self.only_confirmed,
        }

    def _label_passes(self, label: str) -> bool:
        return any(
            label == f or (f.endswith(":*") and label.startswith(f[:-1])) for f in self.labels
        )

    def passes_signal(self, entry: dict, labels: set[str]) -> bool:
        """Whether a feed entry goes to this subscription; ``labels`` are its labels now
        (or, for a tombstone, every label its signal ever had)."""
        if self.signal_types and entry["signal_type"] not in self.signal_types:
            return False
        if self.labels and not any(self._label_passes(label) for label in labels):
            return False
        if self.incidents and not any(f"incident:{s}" in labels for s in self.incidents):
            return False
        live = entry.get("status") != "retracted"
        # A held signal leaves the pushes that keep only confirmed signals.
        kept = entry.get("confirmed") and not entry.get("held")
        return not (self.only_confirmed and live and not kept)

    def passes_incident(self, slug: str) -> bool:
        return not self.incidents or slug in self.incidents


def _strings(raw: dict, field: str, errors: list[dict]) -> list[str]:
    value = raw.get(field, [])
    if (
        not isinstance(value, list)
        or len(value) > FILTER_LIST_LIMIT
        or not all(isinstance(v, str) for v in value)
    ):
        reason = f"expected a list of at most {FILTER_LIST_LIMIT} strings"
        errors.append({"field": f"filters.{field}", "reason": reason})
        return []
    return list(dict.fromkeys(value))
