"""``apply_item`` as a table: each kind of item on each kind of history gives one status
or one refusal, the same for the statement path and the log fold that both call it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

import pytest

from clearinghouse.domain import (
    ITEM_RULES,
    ContributionRecord,
    FeedbackItem,
    FeedbackRecord,
    Refused,
    RetractionItem,
    SignalHistory,
    SignalRecord,
    SubmissionItem,
    apply_item,
    creates_signal,
    signal_digest,
)
from clearinghouse.domain.transitions import NO_SUCH_SIGNAL, NOT_A_CONTRIBUTOR, Stamp
from clearinghouse.signals.types import Signal
from clearinghouse.wire import PAYLOAD_TYPES

T0 = datetime(2026, 11, 1, tzinfo=UTC)
NOW = datetime(2026, 11, 2, tzinfo=UTC)
A, B = "alpha", "bravo"
LABEL = "behaviour:graphic-violence"
HASH = Signal("md5", "ab" * 16)
DIGEST = signal_digest(HASH)
NEXT_ID = 12
STAMP = Stamp(A, statement_id=50, log_index=10, now=NOW)
SIGNAL = SignalRecord(7, "md5", HASH.text, DIGEST, None, "active", T0, T0, 3)

ITEMS = {
    "submission": SubmissionItem(HASH, DIGEST, (LABEL,), "image/jpeg", "a note"),
    "retraction": RetractionItem(HASH, DIGEST, "a mistake"),
    "feedback": FeedbackItem(HASH, DIGEST, "disagree", "not violent"),
}


def contribution(member: str, status: str = "active") -> ContributionRecord:
    gone = (T0, 40) if status == "retracted" else (None, None)
    return ContributionRecord(
        SIGNAL.id, member, 40, (LABEL,), "image/jpeg", None, status, T0, *gone
    )


def verdict(member: str, word: str) -> FeedbackRecord:
    return FeedbackRecord(SIGNAL.id, member, 41, word, "why", T0)


HISTORIES = {
    "unknown": SignalHistory(None),
    "mine": SignalHistory(SIGNAL, (contribution(A),)),
    "another's": SignalHistory(SIGNAL, (contribution(B),)),
    "mine and another's": SignalHistory(SIGNAL, (contribution(A), contribution(B))),
    "mine, retracted": SignalHistory(
        SIGNAL._replace(status="retracted"), (contribution(A, "retracted"),)
    ),
    "another's, my disagreement": SignalHistory(
        SIGNAL, (contribution(B),), (verdict(A, "disagree"),)
    ),
    "another's, my agreement": SignalHistory(SIGNAL, (contribution(B),), (verdict(A, "agree"),)),
}


class Row(NamedTuple):
    kind: str
    history: str
    status: str | None  # None: refused
    refusal: str | None = None


TABLE = [
    Row("submission", "unknown", "new"),
    Row("submission", "mine", "unchanged"),
    Row("submission", "another's", "corroborated"),
    Row("submission", "mine and another's", "unchanged"),
    Row("submission", "mine, retracted", "new"),
    Row("submission", "another's, my disagreement", "corroborated"),
    Row("retraction", "unknown", None, NOT_A_CONTRIBUTOR.format(member=A)),
    Row("retraction", "mine", "retracted"),
    Row("retraction", "another's", None, NOT_A_CONTRIBUTOR.format(member=A)),
    Row("retraction", "mine and another's", "contribution_retracted"),
    Row("retraction", "mine, retracted", "unchanged"),
    Row("feedback", "unknown", None, NO_SUCH_SIGNAL),
    Row("feedback", "mine", "recorded"),
    Row("feedback", "another's", "recorded"),
    Row("feedback", "mine, retracted", "recorded"),
    Row("feedback", "another's, my disagreement", "unchanged"),
    Row("feedback", "another's, my agreement", "replaced"),
]


@pytest.mark.parametrize("row", TABLE, ids=[f"{r.kind} on {r.history}" for r in TABLE])
def test_each_item_on_each_history(row: Row):
    before = HISTORIES[row.history]
    if row.status is None:
        with pytest.raises(Refused) as refused:
            apply_item(row.kind, before, STAMP, ITEMS[row.kind], NEXT_ID)
        assert refused.value.reason == row.refusal
        return
    outcome = apply_item(row.kind, before, STAMP, ITEMS[row.kind], NEXT_ID)
    assert outcome.status == row.status
    assert outcome.after.signal.id == (NEXT_ID if creates_signal(row.kind, before) else SIGNAL.id)
    assert outcome.after.signal.digest == DIGEST
    if outcome.status != "unchanged":
        assert outcome.changes, "a change of status writes something"
        assert outcome.after.signal.updated_index == STAMP.log_index


def test_every_kind_of_statement_item_has_a_rule_in_the_table():
    # Incidents and releases are statements too, but of no items: their rules are
    # domain.incidents and domain.holds.
    assert set(ITEM_RULES) == set(PAYLOAD_TYPES) - {"incident", "release"}
    assert {r.kind for r in TABLE} == set(ITEM_RULES)


def test_only_a_submission_of_an_unknown_signal_creates_one():
    created = {
        (kind, name)
        for kind in ITEM_RULES
        for name, h in HISTORIES.items()
        if creates_signal(kind, h)
    }
    assert created == {("submission", "unknown")}
    outcome = apply_item("submission", HISTORIES["unknown"], STAMP, ITEMS["submission"], NEXT_ID)
    signal, own = outcome.after.signal, outcome.after.contribution_of(A)
    assert (signal.id, signal.value, signal.status, signal.first_seen) == (
        NEXT_ID, HASH.text, "active", NOW,
    )  # fmt: skip
    assert (own.labels, own.content_type, own.note) == ((LABEL,), "image/jpeg", "a note")
    assert [c.new for c in outcome.changes] == [True, True]


def test_feedback_with_an_unknown_verdict_is_refused():
    item = ITEMS["feedback"]._replace(verdict="maybe")
    with pytest.raises(Refused) as refused:
        apply_item("feedback", HISTORIES["mine"], STAMP, item, NEXT_ID)
    assert refused.value.field == "verdict"


def test_a_refusal_leaves_the_history_as_it_was():
    before = HISTORIES["another's"]
    with pytest.raises(Refused):
        apply_item("retraction", before, STAMP, ITEMS["retraction"], NEXT_ID)
    assert before == HISTORIES["another's"]
