"""Hold and release as a table: each move on each hold state of a signal gives one new
record or one refusal, the same for the services and the log fold that both call them;
and the checker's test of a signal's matches against its type's baseline."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

import pytest

from clearinghouse.domain.holds import HoldRecord, hold, is_held, over_baseline, release
from clearinghouse.domain.transitions import Refused

T0 = datetime(2026, 11, 1, tzinfo=UTC)
NOW = datetime(2026, 11, 2, tzinfo=UTC)
HELD = HoldRecord(7, "held", "checker", "burst", T0, 3)
RELEASED = HoldRecord(7, "released", "alpha", "ours, fine", T0, 4)
STATES = {"never": None, "held": HELD, "released": RELEASED}


class Row(NamedTuple):
    move: str  # hold | release
    state: str  # a key of STATES
    by: str
    outcome: str  # "held", "released", or "refused:<field>"
    signal_status: str | None = "active"
    reason: str = "why"


TABLE = [
    Row("hold", "never", "checker", "held"),
    Row("hold", "never", "operator", "held"),
    Row("hold", "released", "checker", "held"),
    Row("hold", "held", "operator", "refused:hold"),
    Row("hold", "never", "alpha", "refused:by"),  # members release, never hold
    Row("hold", "never", "checker", "refused:signal", signal_status=None),
    Row("hold", "never", "operator", "refused:signal", signal_status="retracted"),
    Row("hold", "never", "operator", "refused:reason", reason="  "),
    Row("release", "held", "operator", "released"),
    Row("release", "held", "alpha", "released"),  # a contributor
    Row("release", "held", "bravo", "refused:member"),  # contributes nothing to it
    Row("release", "never", "operator", "refused:hold"),
    Row("release", "released", "alpha", "refused:hold"),
    Row("release", "held", "operator", "refused:reason", reason=""),
]


def _apply(row: Row) -> HoldRecord:
    current = STATES[row.state]
    common = {"signal_id": 7, "by": row.by, "reason": row.reason, "now": NOW, "index": 9}
    if row.move == "hold":
        return hold(current, signal_status=row.signal_status, **common)
    return release(current, contributors=("alpha", "charlie"), **common)


@pytest.mark.parametrize("row", TABLE, ids=lambda r: f"{r.move}-{r.state}-{r.by}-{r.outcome}")
def test_each_move_on_each_hold_state(row: Row):
    if row.outcome.startswith("refused:"):
        with pytest.raises(Refused) as refused:
            _apply(row)
        assert refused.value.field == row.outcome.removeprefix("refused:")
        return
    record = _apply(row)
    assert record == HoldRecord(7, row.outcome, row.by, row.reason, NOW, 9)
    assert is_held(record) == (row.outcome == "held")


def test_the_table_covers_every_move_from_every_state():
    assert {(r.move, r.state) for r in TABLE} == {
        (m, s) for m in ("hold", "release") for s in STATES
    }


@pytest.mark.parametrize(
    ("matches", "baseline", "multiple", "floor", "held"),
    [
        (500, 2.0, 20.0, 500, True),  # at the floor, far over the baseline
        (499, 2.0, 20.0, 500, False),  # under the floor, however quiet the type
        (500, 25.0, 20.0, 500, False),  # 500 is exactly 20 x 25: not more
        (501, 25.0, 20.0, 500, True),
        (30, None, 20.0, 10, True),  # no history: the baseline is one match
        (20, None, 20.0, 10, False),
        (10**9, 1.0, 20.0, 0, False),  # a floor of 0 turns the checker off
    ],
)
def test_over_baseline(matches, baseline, multiple, floor, held):
    assert over_baseline(matches, baseline, multiple, floor) is held
