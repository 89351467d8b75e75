"""The in-memory signal states against their slow twin: ``signal_views.describe`` of the
same states, as the database-backed view shows them."""

import json
import random
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import numpy as np
import pytest

from clearinghouse.services.adapters.signal_states import SignalStates
from clearinghouse.services.read_models.signal_views import describe
from clearinghouse.store.state_pages import StatePage

WIDTHS = {"md5": 16, "pdq": 32, "phash": 8, "vpdq": 0}
LABELS = ["a:one", "a:two", "b:three"]
MEMBERS = ["alpha", "bravo", "charlie", "delta"]
START = datetime(2026, 1, 2, 3, 4, 5, 678_901, tzinfo=UTC)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _value(rng: random.Random, signal_type: str) -> str:
    if signal_type == "vpdq":
        frames = [{"pdq": rng.randbytes(32).hex(), "quality": 90, "timestamp": 0.5}]
        return json.dumps(frames)
    text = rng.randbytes(WIDTHS[signal_type]).hex()
    return text.upper() if rng.random() < 0.1 else text  # not canonical: kept as text


def _state(rng: random.Random, sid: int, signal_type: str, value: str):
    """A signal's row, its active contributions' labels and its verdicts, and the state
    the database view would build from them (``SignalState``'s fields)."""
    first = START + timedelta(microseconds=rng.randrange(10**12))
    contributors = tuple(sorted(rng.sample(MEMBERS, rng.randrange(len(MEMBERS) + 1))))
    lists = [tuple(sorted(rng.sample(LABELS, rng.randrange(1, 3)))) for _ in contributors]
    verdicts = [rng.choice(["agree", "disagree"]) for _ in range(rng.randrange(4))]
    labels: dict[str, int] = {}
    for chosen in lists:
        for label in chosen:
            labels[label] = labels.get(label, 0) + 1
    row = SimpleNamespace(
        id=sid,
        signal_type=signal_type,
        value=value,
        status=rng.choice(["active", "active", "retracted"]),
        quality=rng.randrange(101) if signal_type == "pdq" else None,
        first_seen=first,
        last_seen=first + timedelta(microseconds=rng.randrange(10**9)),
    )
    return SimpleNamespace(
        signal=row,
        labels=dict(sorted(labels.items())),
        contributors=contributors,
        agree=verdicts.count("agree"),
        disagree=verdicts.count("disagree"),
        lists=lists,
        verdicts=verdicts,
    )


def _ms(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(milliseconds=1)


def _page(states: list) -> StatePage:
    """The states as ``store.state_pages`` reads them: columns and labels."""
    rows = [s.signal for s in states]
    return StatePage(
        [r.id for r in rows],
        [r.signal_type for r in rows],
        [r.value for r in rows],
        [r.quality for r in rows],
        [r.status for r in rows],
        list(range(len(rows))),
        np.array([_ms(r.first_seen) for r in rows], np.int64),
        np.array([_ms(r.last_seen) for r in rows], np.int64),
        [s.agree - s.disagree if s.verdicts else None for s in states],
        [(s.signal.id, labels) for s in states for labels in s.lists],
    )


@pytest.mark.parametrize("seed", range(5))
def test_states_answer_as_the_view_does_after_many_updates(seed):
    rng = random.Random(seed)
    states, twin = SignalStates(WIDTHS), {}
    values: dict[int, tuple[str, str]] = {}
    for _ in range(30):
        batch = []
        for _ in range(rng.randrange(1, 200)):
            sid = rng.randrange(1, 3000)
            if sid not in values:
                signal_type = rng.choice(sorted(WIDTHS))
                values[sid] = (signal_type, _value(rng, signal_type))
            batch.append(_state(rng, sid, *values[sid]))
        batch = list({s.signal.id: s for s in batch}.values())
        states.update(_page(batch))
        for s in batch:
            twin[s.signal.id] = s
        threshold = rng.randrange(1, 4)
        asked = rng.sample(range(-5, 3100), 300)
        expected = {i: describe(threshold, twin[i]) for i in asked if i in twin}
        got = states.describe_many(asked, threshold)
        assert got == expected
        assert [list(v) for v in got.values()] == [list(expected[i]) for i in got]  # key order
    assert states.count == len(twin)


def test_unknown_types_are_skipped_and_nothing_held_answers_nothing():
    states = SignalStates(WIDTHS)
    assert states.describe_many([1, 2], 2) == {}
    other = _state(random.Random(0), 1, "sha256", "00" * 32)
    states.update(_page([other]))
    assert states.describe_many([1], 2) == {}
    assert states.count == 0


def test_memory_is_tens_of_bytes_a_signal():
    rng = random.Random(1)
    states = SignalStates(WIDTHS)
    n = 20_000
    states.update(
        _page([_state(rng, sid, "pdq", rng.randbytes(32).hex()) for sid in range(1, n + 1)])
    )
    assert states.count == n
    assert states.memory_bytes / n < 100  # capacity included
