"""The in-memory signal states against the database-backed view they replace, after
random sequences of submissions, corroborations, retractions and feedback."""

import dataclasses
import shutil

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from support import add_member, pdq_item

from clearinghouse.bootstrap import bootstrap, build_matcher
from clearinghouse.services.read_models.signal_views import describe_many
from clearinghouse.services.use_cases.matching import Matcher
from clearinghouse.store import signal_reads as rows

VALUES = [f"{n:02x}" * 32 for n in (0x11, 0x22, 0x33, 0x44)]
MD5 = "ab" * 16
LABELS = [
    "behaviour:glorification-of-terrorist-acts",
    "behaviour:graphic-violence-against-defenseless-people",
]
MEMBERS = ["alpha", "bravo", "charlie"]

steps = st.lists(
    st.tuples(
        st.sampled_from(["submission", "submission", "retraction", "feedback"]),
        st.sampled_from(MEMBERS),
        st.lists(st.integers(0, len(VALUES)), min_size=1, max_size=3, unique=True),
        st.sampled_from([LABELS[:1], LABELS[1:], LABELS]),
        st.sampled_from(["agree", "disagree"]),
    ),
    min_size=1,
    max_size=12,
)


@pytest.fixture
def team(db, client):
    """The members, made once for all the examples of a test."""
    return {m: add_member(db, client, m) for m in MEMBERS}


def _item(kind: str, n: int, labels: list[str], verdict: str) -> dict:
    signal = {"signal_type": "md5", "value": MD5} if n == len(VALUES) else None
    if kind == "submission":
        if signal is not None:
            return {**signal, "content_type": "video/mp4", "labels": labels}
        return pdq_item(VALUES[n], labels=labels)
    signal = signal or {"signal_type": "pdq", "value": VALUES[n]}
    if kind == "retraction":
        return {**signal, "reason": "mistake"}
    return {**signal, "verdict": verdict, "reason": "seen"}


def _database_view(db, confirm_threshold: int) -> dict[int, dict]:
    with db.read() as session:
        ids = [s.id for s in rows.feed_page(session, (-1, 0), 1000)]
        return describe_many(confirm_threshold, session, ids)


def _held(confirm_threshold: int, matcher: Matcher, ids) -> dict[int, dict]:
    return matcher.states.describe_many(sorted(ids), confirm_threshold)


@hypothesis_settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(sequence=steps)
def test_states_equal_the_database_view_after_any_sequence(
    db, matcher, settings, team, sequence, tmp_path
):
    # The database persists across examples: each starts from what the last left.
    for kind, who, numbers, labels, verdict in sequence:
        items = [_item(kind, n, labels, verdict) for n in numbers]
        team[who].state(kind, items)  # refusals (e.g. retracting another's) change nothing
    matcher.catch_up()
    threshold = settings.confirm_threshold
    expected = _database_view(db, threshold)
    assert expected  # at least one submission of the sequences landed
    assert _held(threshold, matcher, expected) == expected

    # A process started now reads the same states, whether its indexes come from the
    # database or (the second one) from the snapshot the first wrote.
    # Their snapshot directory is their own: the app's follower keeps publishing in the
    # shared one.
    apart = dataclasses.replace(settings, index_snapshot_dir=tmp_path / "apart")
    shutil.rmtree(apart.effective_snapshot_dir, ignore_errors=True)
    root = bootstrap(apart)
    try:
        for source in ("database", "snapshot"):
            fresh = build_matcher(root)
            fresh.load()
            assert fresh.loaded_from == source
            assert _held(threshold, fresh, expected) == expected
    finally:
        root.close()
