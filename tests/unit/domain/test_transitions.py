"""Every transition of the contributions model, as a table, without a database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import NamedTuple

import pytest

from clearinghouse.domain import (
    ContributionRecord,
    FeedbackRecord,
    Outcome,
    Refused,
    SignalHistory,
    SignalRecord,
    confirmed,
    disputed,
    feedback,
    is_confirmed,
    is_disputed,
    retract,
    submit,
)
from clearinghouse.domain.transitions import (
    NO_SUCH_SIGNAL,
    NOT_A_CONTRIBUTOR,
    Stamp,
    feedback_balance,
    new_signal_record,
)

T0 = datetime(2026, 11, 1, tzinfo=UTC)
NOW = datetime(2026, 11, 2, tzinfo=UTC)
A, B, C = "alpha", "bravo", "charlie"
VIOLENCE, GLORY = "behaviour:graphic-violence", "behaviour:glorification"
SIGNAL = SignalRecord(7, "md5", "0" * 32, b"d" * 32, None, "active", T0, T0, 3)
NEW_SIGNAL = SignalRecord(8, "md5", "1" * 32, b"e" * 32, None, "active", NOW, NOW, 10)


def stamp(member: str) -> Stamp:
    return Stamp(member, statement_id=50, log_index=10, now=NOW)


def contribution(member: str, *labels: str, status: str = "active") -> ContributionRecord:
    retracted = (T0, 40) if status == "retracted" else (None, None)
    return ContributionRecord(
        SIGNAL.id, member, 40, tuple(labels or (VIOLENCE,)), "image/jpeg", None, status, T0,
        *retracted,
    )  # fmt: skip


def verdict(member: str, word: str) -> FeedbackRecord:
    return FeedbackRecord(SIGNAL.id, member, 41, word, "why", T0)


def history(*records, signal: SignalRecord | None = SIGNAL) -> SignalHistory:
    contributions = tuple(r for r in records if isinstance(r, ContributionRecord))
    verdicts = tuple(r for r in records if isinstance(r, FeedbackRecord))
    if signal is not None and not any(c.status == "active" for c in contributions):
        signal = signal._replace(status="retracted")
    return SignalHistory(signal, contributions, verdicts)


def sub(member: str, *labels: str) -> Callable[[SignalHistory], Outcome]:
    def act(h: SignalHistory) -> Outcome:
        new = None
        if h.signal is None:
            s = NEW_SIGNAL
            new = new_signal_record(s.id, s.signal_type, s.value, s.digest, None, stamp(member))
        return submit(h, stamp(member), new_signal=new, labels=labels or (VIOLENCE,),
                      content_type="image/jpeg", note=None)  # fmt: skip

    return act


def ret(member: str) -> Callable[[SignalHistory], Outcome]:
    return lambda h: retract(h, stamp(member))


def fb(member: str, word: str) -> Callable[[SignalHistory], Outcome]:
    return lambda h: feedback(h, stamp(member), verdict=word, reason="because")


class Case(NamedTuple):
    before: SignalHistory
    act: Callable[[SignalHistory], Outcome]
    status: str
    check: Callable[[SignalHistory], bool]  # on the history after


def own(h: SignalHistory, member: str) -> ContributionRecord:
    found = h.contribution_of(member)
    assert found is not None
    return found


CASES = {
    "new signal": Case(
        history(signal=None), sub(A), "new",
        lambda h: h.signal == NEW_SIGNAL and h.contributors() == (A,)
        and own(h, A).statement_id == 50,
    ),
    "corroborated by a second member": Case(
        history(contribution(A)), sub(B), "corroborated",
        lambda h: h.contributors() == (A, B) and h.signal.last_seen == NOW,
    ),
    "unchanged, new labels merged": Case(
        history(contribution(A, VIOLENCE)), sub(A, GLORY), "unchanged",
        lambda h: own(h, A).labels == (GLORY, VIOLENCE) and own(h, A).statement_id == 40,
    ),
    "unchanged, same labels": Case(
        history(contribution(A, VIOLENCE)), sub(A, VIOLENCE), "unchanged",
        lambda h: own(h, A) == contribution(A, VIOLENCE) and h.signal.updated_index == 10,
    ),
    "resubmitted after retraction, alone": Case(
        history(contribution(A, status="retracted")), sub(A, GLORY), "new",
        lambda h: h.signal.status == "active" and own(h, A).labels == (GLORY,)
        and own(h, A).retracted_at is None and own(h, A).retraction_statement_id is None,
    ),
    "resubmitted after retraction, others still vouch": Case(
        history(contribution(A, status="retracted"), contribution(B)), sub(A), "corroborated",
        lambda h: h.contributors() == (A, B),
    ),
    "new again after every member retracted": Case(
        history(contribution(A, status="retracted")), sub(B), "new",
        lambda h: h.signal.status == "active" and h.contributors() == (B,),
    ),
    "last retraction retracts the signal": Case(
        history(contribution(A)), ret(A), "retracted",
        lambda h: h.signal.status == "retracted" and h.contributors() == ()
        and own(h, A).retraction_statement_id == 50 and h.signal.updated_index == 10,
    ),
    "one of several retracted": Case(
        history(contribution(A), contribution(B)), ret(A), "contribution_retracted",
        lambda h: h.signal.status == "active" and h.contributors() == (B,),
    ),
    "retraction repeated is unchanged": Case(
        history(contribution(A, status="retracted"), contribution(B)), ret(A), "unchanged",
        lambda h: h == history(contribution(A, status="retracted"), contribution(B)),
    ),
    "feedback recorded": Case(
        history(contribution(A)), fb(B, "agree"), "recorded",
        lambda h: h.feedback_of(B).verdict == "agree" and not disputed(h),
    ),
    "feedback replaced flips disputed": Case(
        history(contribution(A), verdict(B, "agree")), fb(B, "disagree"), "replaced",
        lambda h: len(h.feedback) == 1 and h.feedback_of(B).statement_id == 50 and disputed(h),
    ),
    "feedback repeated is unchanged": Case(
        history(contribution(A), verdict(B, "agree")), fb(B, "agree"), "unchanged",
        lambda h: h.feedback_of(B) == verdict(B, "agree"),
    ),
    "a second disagree makes it disputed": Case(
        history(contribution(A), verdict(B, "agree"), verdict(C, "disagree")),
        fb(A, "disagree"), "recorded", disputed,
    ),
    "an agree ties it: no longer disputed": Case(
        history(contribution(A), verdict(C, "disagree")), fb(B, "agree"), "recorded",
        lambda h: not disputed(h),
    ),
    "confirmed when the threshold is reached": Case(
        history(contribution(A)), sub(B), "corroborated",
        lambda h: confirmed(h, 2) and not confirmed(h, 3),
    ),
    "no longer confirmed after a retraction": Case(
        history(contribution(A), contribution(B)), ret(B), "contribution_retracted",
        lambda h: not confirmed(h, 2) and confirmed(h, 1),
    ),
}  # fmt: skip


def replay_changes(before: SignalHistory, outcome: Outcome) -> SignalHistory:
    """The slow twin of the store: insert new records; on updates, copy only the named
    fields onto the stored record (so a transition that forgets to name one fails)."""
    signal, contributions, verdicts = (
        before.signal,
        list(before.contributions),
        list(before.feedback),
    )

    def updated(stored, record, fields):
        return stored._replace(**{f: getattr(record, f) for f in fields})

    for record, new, fields in outcome.changes:
        if isinstance(record, SignalRecord):
            assert new == (signal is None)
            signal = record if new else updated(signal, record, fields)
            continue
        rows = contributions if isinstance(record, ContributionRecord) else verdicts
        at = [i for i, r in enumerate(rows) if r.member == record.member]
        assert new == (not at)
        if at:
            rows[at[0]] = updated(rows[at[0]], record, fields)
        else:
            rows.append(record)
    return SignalHistory(signal, tuple(contributions), tuple(verdicts))


def _key(h: SignalHistory):
    return (h.signal, sorted(h.contributions), sorted(h.feedback))


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_transition(case: Case):
    outcome = case.act(case.before)
    assert outcome.status == case.status
    assert case.check(outcome.after)
    # What the store is told to write is exactly the difference.
    assert _key(replay_changes(case.before, outcome)) == _key(outcome.after)
    if case.status == "unchanged" and case.act.__qualname__.startswith(("ret", "fb")):
        assert outcome.changes == ()


REFUSALS = {
    "retract a signal never contributed to": (history(contribution(B)), ret(A), "value",
        NOT_A_CONTRIBUTOR.format(member=A)),
    "retract an unknown signal: the same answer": (history(signal=None), ret(A), "value",
        NOT_A_CONTRIBUTOR.format(member=A)),
    "feedback on an unknown signal": (history(signal=None), fb(A, "agree"), "value",
        NO_SUCH_SIGNAL),
    "feedback with no verdict": (history(contribution(A)), fb(A, "maybe"), "verdict",
        "expected one of agree, disagree"),
}  # fmt: skip


@pytest.mark.parametrize("before, act, field, reason", REFUSALS.values(), ids=REFUSALS.keys())
def test_refusal(before, act, field, reason):
    with pytest.raises(Refused) as refused:
        act(before)
    assert (refused.value.field, refused.value.reason) == (field, reason)


def test_no_oracle_in_retractions():
    def answer(h: SignalHistory) -> str:
        with pytest.raises(Refused) as refused:
            retract(h, stamp(A))
        return str(refused.value)

    assert answer(history(signal=None)) == answer(history(contribution(B)))


@pytest.mark.parametrize(
    ("contributors", "threshold", "expected"),
    [(0, 1, False), (1, 1, True), (1, 2, False), (2, 2, True), (3, 2, True), (2, 3, False)],
)
def test_the_confirmed_rule_on_counts(contributors, threshold, expected):
    # The form the in-memory states and the database's read models apply to their counts.
    assert is_confirmed(contributors, threshold) is expected


@pytest.mark.parametrize(
    ("verdicts", "expected"),
    [((), False), (("agree",), False), (("disagree",), True), (("agree", "disagree"), False),
     (("disagree", "disagree", "agree"), True), (("agree", "agree", "disagree"), False)],
)  # fmt: skip
def test_the_disputed_rule_on_a_balance_and_on_a_history(verdicts, expected):
    h = history(contribution(A), *(verdict(f"m{n}", v) for n, v in enumerate(verdicts)))
    assert feedback_balance(h) == verdicts.count("agree") - verdicts.count("disagree")
    assert is_disputed(feedback_balance(h)) is expected
    assert disputed(h) is expected
