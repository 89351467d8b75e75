"""Confirmed and disputed, as the database reads them, against the domain's rule.

A table of signal histories — corroborations, retractions and revivals, agreements,
disagreements and changed verdicts, contributions of a member since suspended with its
key revoked — is made with ``domain.apply_item`` and written as the state tables hold
it. Then, for every confirm threshold from 1 to 3, the SQL mirror (``store/standing``),
the transparency report's counts (``store/report``) and the in-memory signal states
(``store/state_pages`` read into ``services/adapters/signal_states``) must each say what
``domain.confirmed`` / ``domain.disputed`` say of the same histories.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from clearinghouse import domain
from clearinghouse.domain.log_state import KeyRecord, MemberRecord, StatementRecord
from clearinghouse.domain.transitions import Stamp
from clearinghouse.services.adapters.signal_states import SignalStates
from clearinghouse.signals.types import Signal
from clearinghouse.store import report, standing
from clearinghouse.store.db import Database
from clearinghouse.store.log import append_entries
from clearinghouse.store.state_pages import state_page
from clearinghouse.store.state_tables import write_state

T0 = datetime(2026, 5, 1, 12, tzinfo=UTC)
MEMBERS = ("alpha", "bravo", "charlie", "delta")
SUSPENDED = "delta"  # suspended, its key revoked: what it said before still counts
LABEL = "behaviour:glorification-of-terrorist-acts"

# Each history: the steps made on one signal, in order — (member, "sub" | "ret" | verdict).
HISTORIES = {
    "one contributor": [("alpha", "sub")],
    "two contributors": [("alpha", "sub"), ("bravo", "sub")],
    "three contributors": [("alpha", "sub"), ("bravo", "sub"), ("charlie", "sub")],
    "the same member twice": [("alpha", "sub"), ("alpha", "sub")],
    "two, one retracted": [("alpha", "sub"), ("bravo", "sub"), ("bravo", "ret")],
    "retracted": [("alpha", "sub"), ("alpha", "ret")],
    "retracted and revived": [("alpha", "sub"), ("alpha", "ret"), ("alpha", "sub")],
    "revived by another": [("alpha", "sub"), ("alpha", "ret"), ("bravo", "sub")],
    "suspended member corroborates": [("alpha", "sub"), (SUSPENDED, "sub")],
    "suspended member alone": [(SUSPENDED, "sub")],
    "one agrees": [("alpha", "sub"), ("bravo", "agree")],
    "one disagrees": [("alpha", "sub"), ("bravo", "disagree")],
    "a tie": [("alpha", "sub"), ("bravo", "disagree"), ("charlie", "agree")],
    "two against one": [
        ("alpha", "sub"), ("bravo", "disagree"), ("charlie", "disagree"), ("alpha", "agree"),
    ],
    "disagreement withdrawn": [("alpha", "sub"), ("bravo", "disagree"), ("bravo", "agree")],
    "agreement turned": [("alpha", "sub"), ("bravo", "agree"), ("bravo", "disagree")],
    "the contributor disagrees": [("alpha", "sub"), ("alpha", "disagree")],
    "suspended member disputes": [("alpha", "sub"), ("bravo", "sub"), (SUSPENDED, "disagree")],
    "disputed, then retracted": [("alpha", "sub"), ("bravo", "disagree"), ("alpha", "ret")],
    "confirmed and disputed": [
        ("alpha", "sub"), ("bravo", "sub"), ("charlie", "disagree"), ("delta", "disagree"),
    ],
}  # fmt: skip
KIND = {"sub": "submission", "ret": "retraction"}


def _histories() -> tuple[dict[str, domain.SignalHistory], list[StatementRecord]]:
    """Every history of the table made through ``apply_item``, one statement a step."""
    out, statements, index = {}, [], len(MEMBERS)
    for n, (name, steps) in enumerate(HISTORIES.items()):
        signal = Signal("md5", f"{n + 1:032x}")
        digest = domain.signal_digest(signal)
        history = domain.SignalHistory(None)
        for member, step in steps:
            kind = KIND.get(step, "feedback")
            item = {
                "submission": domain.SubmissionItem(signal, digest, (LABEL,), "image/png", None),
                "retraction": domain.RetractionItem(signal, digest, "a mistake"),
                "feedback": domain.FeedbackItem(signal, digest, step, "seen"),
            }[kind]
            now = T0 + timedelta(seconds=index)
            history = domain.apply_item(
                kind, history, Stamp(member, index, index, now), item, n + 1
            ).after
            statements.append(
                StatementRecord(index, kind, member, f"k-{member}", index.to_bytes(32, "big"),
                                now, ())
            )  # fmt: skip
            index += 1
        out[name] = history
    return out, statements


@pytest.fixture(scope="module")
def table():
    return _histories()


@pytest.fixture
def db(database_url, table):
    histories, statements = table
    members = [
        MemberRecord(m, m.title(), ("submitter",), "suspended" if m == SUSPENDED else "active", T0)
        for m in MEMBERS
    ]
    keys = [
        KeyRecord(f"k-{m}", m, bytes([n]) * 32, "revoked" if m == SUSPENDED else "active", T0,
                  T0 + timedelta(days=1) if m == SUSPENDED else None)
        for n, m in enumerate(MEMBERS)
    ]  # fmt: skip
    database = Database(database_url)
    with database.write() as session:
        # The entries the statements stand at (their bytes are no business of this test).
        entries = [("member_added", b"{}")] * len(MEMBERS) + [(s.kind, b"{}") for s in statements]
        append_entries(session, entries, T0)
        write_state(
            session,
            members,
            keys,
            statements,
            [h.signal for h in histories.values()],
            [c for h in histories.values() for c in h.contributions],
            [f for h in histories.values() for f in h.feedback],
            None,
        )
    yield database
    database.dispose()


def _ids(histories, rule) -> set[int]:
    return {h.signal.id for h in histories.values() if rule(h)}


def test_the_table_holds_every_case_the_rules_tell_apart(table):
    histories, _ = table
    assert _ids(histories, domain.disputed) and _ids(histories, lambda h: not domain.disputed(h))
    for threshold in (1, 2, 3):
        assert _ids(histories, lambda h, t=threshold: domain.confirmed(h, t))
        assert _ids(histories, lambda h, t=threshold: not domain.confirmed(h, t))
    assert any(h.signal.status == "retracted" and domain.disputed(h) for h in histories.values())


@pytest.mark.parametrize("threshold", [1, 2, 3])
def test_the_sql_mirror_is_the_domain_rule(db, table, threshold):
    histories, _ = table
    with db.read() as session:
        confirmed = set(session.scalars(standing.confirmed_signals(threshold)))
        disputed = set(session.scalars(standing.disputed_signals()))
    assert confirmed == _ids(histories, lambda h: domain.confirmed(h, threshold))
    assert disputed == _ids(histories, domain.disputed)


@pytest.mark.parametrize("threshold", [1, 2, 3])
def test_the_report_counts_what_the_rule_says(db, table, threshold):
    histories, _ = table
    with db.read() as session:
        counts = report.signal_states_count(session, threshold)
    active = [h for h in histories.values() if h.signal.status == "active"]
    assert counts == {
        "active": len(active),
        "retracted": len(histories) - len(active),
        "confirmed": sum(domain.confirmed(h, threshold) for h in histories.values()),
        # A retracted signal is never counted disputed in the report.
        "disputed": sum(domain.disputed(h) for h in active),
    }


@pytest.mark.parametrize("threshold", [1, 2, 3])
def test_the_in_memory_states_answer_with_the_rule(db, table, threshold):
    histories, _ = table
    states = SignalStates({"md5": 16})
    with db.read() as session:
        states.update(state_page(session, (-1, 0), 1000))
    shown = states.describe_many([h.signal.id for h in histories.values()], threshold)
    assert set(shown) == {h.signal.id for h in histories.values()}
    for name, h in histories.items():
        answer = shown[h.signal.id]
        expected = (domain.confirmed(h, threshold), domain.disputed(h))
        assert (answer["confirmed"], answer["disputed"]) == expected, name
