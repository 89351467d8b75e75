"""The log rebuilds the state (DESIGN §6, issue 10): ``check`` lists every difference
between the state tables and what the log implies; ``rebuild`` writes what a log
implies into an empty database, log included."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING

from clearinghouse.domain.log_state import LogState, fold
from clearinghouse.errors import Conflict
from clearinghouse.services.read_models import transparency
from clearinghouse.services.use_cases.log_writes import log_transaction
from clearinghouse.store import state_tables
from clearinghouse.store.holds import all_holds, write_holds
from clearinghouse.store.log import append_entries, log_size, read_entries
from clearinghouse.store.regions import all_regions, insert_regions
from clearinghouse.wire import parse_time

if TYPE_CHECKING:
    from clearinghouse.services.read_models.transparency import LogKey
    from clearinghouse.signals.registry import SignalRegistry
    from clearinghouse.store.db import Database

__all__ = ["check", "implied", "rebuild"]

PAGE = 1_000


def _entries(db: Database) -> Iterator[tuple[int, bytes]]:
    with db.read() as session:
        size = log_size(session)
    for start in range(0, size, PAGE):
        with db.read() as session:
            yield from read_entries(session, start, min(start + PAGE, size))


def implied(db: Database, registry: SignalRegistry) -> LogState:
    """The state the log of ``db`` implies."""
    return fold(_entries(db), registry)


def check(db: Database, registry: SignalRegistry) -> list[str]:
    """Every difference between the state tables and the log, one line each (none: [])."""
    state = implied(db, registry)
    with db.read() as session:
        stored = state_tables.read_state(session)
        stored_regions = all_regions(session)
        stored_holds = all_holds(session)
    found = list(state.problems) + list(stored.unreadable)
    for sid in sorted(state.regions.keys() | stored_regions.keys()):
        want, have = state.regions.get(sid, ()), stored_regions.get(sid, ())
        if want != have:
            # Counts only: region values are shown to nobody, not even here.
            same = " (as many, other values)" if len(want) == len(have) else ""
            found.append(
                f"regions of signal {sid}: the state holds {len(have)}, "
                f"the log implies {len(want)}{same}"
            )
    signals = {h.signal.id: h.signal for h in state.histories.values()}
    contributions = {
        (c.signal_id, c.member): c for h in state.histories.values() for c in h.contributions
    }
    feedback = {(f.signal_id, f.member): f for h in state.histories.values() for f in h.feedback}
    statements = {s.log_index: s for s in state.statements}
    for name, want, have in (
        ("member", state.members, stored.members),
        ("key", state.keys, stored.keys),
        ("signal", signals, stored.signals),
        ("contribution", contributions, stored.contributions),
        ("feedback", feedback, stored.feedback),
        ("statement", statements, stored.statements),
        ("incident", state.incidents, stored.incidents),
        ("hold", state.holds, stored_holds),
    ):
        found.extend(_differences(name, want, have))
    if state.taxonomy_digest != stored.taxonomy_digest:
        found.append(
            f"taxonomy: the log's last is {state.taxonomy_digest}, "
            f"the state records {stored.taxonomy_digest}"
        )
    return found


def _differences(name: str, want: dict, have: dict) -> list[str]:
    out = []
    for key in sorted(want.keys() | have.keys(), key=repr):
        implied_row, stored_row = want.get(key), have.get(key)
        if stored_row is None:
            out.append(f"{name} {_key(key)}: missing from the state; the log implies {implied_row}")
        elif implied_row is None:
            out.append(f"{name} {_key(key)}: in the state but not implied by the log: {stored_row}")
        elif implied_row != stored_row:
            fields = [
                f"{f} is {getattr(stored_row, f)!r}, the log implies {getattr(implied_row, f)!r}"
                for f in implied_row._fields
                if getattr(implied_row, f) != getattr(stored_row, f)
            ]
            out.append(f"{name} {_key(key)}: " + "; ".join(fields))
    return out


def _key(key) -> str:
    return "/".join(map(str, key)) if isinstance(key, tuple) else str(key)


def rebuild(db: Database, registry: SignalRegistry, log_key: LogKey, source: Database) -> dict:
    """Copy the log of ``source`` into the empty database ``db`` and write the state it
    implies, receipts signed with ``log_key``; return counts. Refuses a target that holds
    anything."""
    state = implied(source, registry)
    if state.problems:
        raise Conflict("the log cannot be replayed: " + "; ".join(state.problems[:5]))
    log_key.signing_key()  # loaded (or created) before the log lock is taken
    with log_transaction(db) as (session, _, size):
        if size or not state_tables.is_empty(session):
            raise Conflict("the target database is not empty; rebuild into a new one")
        batch: list[tuple[str, bytes]] = []
        batch_time = None
        for _, data in _entries(source):
            entry = json.loads(data)
            if batch and entry["time"] != batch_time:
                append_entries(session, batch, parse_time(batch_time))
                batch = []
            batch_time = entry["time"]
            batch.append((entry["type"], data))
        if batch:
            append_entries(session, batch, parse_time(batch_time))
        histories = state.histories.values()
        ids = state_tables.write_state(
            session,
            members=list(state.members.values()),
            keys=list(state.keys.values()),
            statements=state.statements,
            signals=sorted((h.signal for h in histories), key=lambda s: s.id),
            contributions=[c for h in histories for c in h.contributions],
            feedback=[f for h in histories for f in h.feedback],
            taxonomy_digest=state.taxonomy_digest,
            incidents=list(state.incidents.values()),
        )
        write_holds(session, list(state.holds.values()))
        insert_regions(
            session,
            [
                (sid, slot, code, quality)
                for sid, regions in sorted(state.regions.items())
                for slot, (code, quality) in enumerate(regions)
            ],
        )
        responses = {}
        for s in state.statements:
            responses[ids[s.log_index]] = {
                "statement_id": ids[s.log_index],
                "log_index": s.log_index,
                "items": [{"signal_id": i, "status": st} for i, st in s.items],
                **transparency.receipt(log_key, session, s.log_index, s.log_index + 1),
            }
        state_tables.set_responses(session, responses)
    return {
        "entries": state.size,
        "members": len(state.members),
        "keys": len(state.keys),
        "statements": len(state.statements),
        "signals": len(state.histories),
        "regions": sum(len(r) for r in state.regions.values()),
        "holds": len(state.holds),
    }
