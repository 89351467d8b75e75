"""The label taxonomy in force is part of the record: each change is a log entry."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearinghouse.services.use_cases.log_entries import encode_entry
from clearinghouse.services.use_cases.log_writes import log_transaction
from clearinghouse.store import app_state
from clearinghouse.store.log import append_entries

if TYPE_CHECKING:
    from clearinghouse.signals.taxonomy import Taxonomy
    from clearinghouse.store.db import Database

__all__ = ["labels_in_force", "record_taxonomy"]

STATE_KEY = "taxonomy_digest"


def record_taxonomy(db: Database, taxonomy: Taxonomy) -> bool:
    """Log the configured taxonomy if it differs from the last one logged; True if it did."""
    digest = taxonomy.digest()
    with log_transaction(db) as (session, now, _):
        if app_state.get(session, STATE_KEY) == digest:
            return False
        entry = encode_entry("taxonomy", now, labels=taxonomy.canonical(), digest=digest)
        append_entries(session, [("taxonomy", entry)], now)
        app_state.put(session, STATE_KEY, digest)
    return True


def labels_in_force(taxonomy: Taxonomy) -> dict:
    """The families and labels statements may use, each with its description."""
    return {
        "families": [
            {"family": name, "description": text}
            for name, text in sorted(taxonomy.families.items())
        ],
        "labels": [
            {
                "label": label,
                "family": label.partition(":")[0],
                "description": taxonomy.labels[label],
            }
            for label in taxonomy.canonical()
        ],
    }
