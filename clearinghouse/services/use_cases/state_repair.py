"""``db repair``: signals whose rows differ from what the log implies (damaged, edited or
lost behind the service's back, DESIGN §11) rewritten in place from the log.

The log is the record of truth, so a signal's row, its contributions, its feedback and its
regions are put back exactly as the log's fold has them, under the log lock (no statement
lands meanwhile). Everything else in the database is left as it is; ``db check`` after a
repair finds no difference in any signal. Serving processes that skipped a damaged signal
while loading their indexes match it again once they reload them (a restart): the
published snapshot generation is withdrawn, so they read the database.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from clearinghouse.index.generations import withdraw_generation
from clearinghouse.services.use_cases.log_check import implied
from clearinghouse.services.use_cases.log_writes import log_transaction
from clearinghouse.store import state_tables
from clearinghouse.store.regions import all_regions, delete_regions, insert_regions

if TYPE_CHECKING:
    from clearinghouse.signals.registry import SignalRegistry
    from clearinghouse.store.db import Database

__all__ = ["repair"]


def repair(db: Database, registry: SignalRegistry, generations_dir: Path) -> list[int]:
    """Rewrite from the log every signal whose rows differ from it; return their ids.
    After any repair the published snapshot generation under ``generations_dir`` is
    withdrawn, as it was built without the damaged signals."""
    repaired: list[int] = []
    with log_transaction(db) as (session, _, _size):
        state = implied(db, registry)  # the log cannot grow while its lock is held
        stored = state_tables.read_state(session)
        stored_regions = all_regions(session)
        contributions: dict[int, dict] = {}
        for (sid, member), record in stored.contributions.items():
            contributions.setdefault(sid, {})[member] = record
        feedback: dict[int, dict] = {}
        for (sid, member), record in stored.feedback.items():
            feedback.setdefault(sid, {})[member] = record
        ids = state_tables.statement_ids(session)
        for history in sorted(state.histories.values(), key=lambda h: h.signal.id):
            signal = history.signal
            sid = signal.id
            want_contributions = {c.member: c for c in history.contributions}
            want_feedback = {f.member: f for f in history.feedback}
            want_regions = state.regions.get(sid, ())
            if (
                stored.signals.get(sid) == signal
                and contributions.get(sid, {}) == want_contributions
                and feedback.get(sid, {}) == want_feedback
                and stored_regions.get(sid, ()) == want_regions
            ):
                continue
            state_tables.rewrite_signal(
                session,
                signal,
                list(history.contributions),
                list(history.feedback),
                ids,
                exists=sid in stored.signals,
            )
            delete_regions(session, sid)
            insert_regions(
                session, [(sid, slot, code, q) for slot, (code, q) in enumerate(want_regions)]
            )
            repaired.append(sid)
    if repaired:
        withdraw_generation(generations_dir)
    return repaired
