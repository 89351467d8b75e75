"""Every hold and release transition, as a table, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from clearinghouse.domain import Refused
from clearinghouse.domain.holds import (
    OPERATOR,
    HoldRecord,
    hold,
    is_held,
    release,
    released_since,
)

T0 = datetime(2026, 12, 1, tzinfo=UTC)
NOW = T0 + timedelta(hours=2)
HELD = HoldRecord(7, "held", "checker", "burst", T0, 40)
RELEASED = HELD._replace(
    status="released", released_by=OPERATOR, release_reason="fine", released_at=T0, released_index=41
)
CONTRIBUTORS = ("alpha", "bravo")

# (current hold, signal status, by) → the status after a hold, or the field refused
HOLDS = [
    (None, "active", "checker", "held"),
    (None, "active", "operator", "held"),
    (RELEASED, "active", "checker", "held"),
    (RELEASED, "active", "operator", "held"),
    (HELD, "active", "checker", "hold"),
    (HELD, "active", "operator", "hold"),
    (None, "retracted", "operator", "signal"),
    (None, None, "operator", "signal"),
    (None, "active", "alpha", "by"),  # a member does not hold; it may suppress for itself
]


@pytest.mark.parametrize(("current", "status", "by", "outcome"), HOLDS)
def test_hold(current, status, by, outcome):
    if outcome != "held":
        with pytest.raises(Refused) as refused:
            hold(current, signal_id=7, signal_status=status, by=by, reason="r", now=NOW, index=50)
        assert refused.value.field == outcome
        return
    after = hold(current, signal_id=7, signal_status=status, by=by, reason="r", now=NOW, index=50)
    assert after == HoldRecord(7, "held", by, "r", NOW, 50)
    assert is_held(after)


# (current hold, by) → the status after a release, or the field refused
RELEASES = [
    (HELD, OPERATOR, "released"),
    (HELD, "alpha", "released"),
    (HELD, "bravo", "released"),
    (HELD, "charlie", "member"),  # not a contributor: refused before anything else is said
    (RELEASED, "charlie", "member"),
    (None, "charlie", "member"),
    (RELEASED, OPERATOR, "hold"),
    (RELEASED, "alpha", "hold"),
    (None, OPERATOR, "hold"),
    (None, "alpha", "hold"),
]


@pytest.mark.parametrize(("current", "by", "outcome"), RELEASES)
def test_release(current, by, outcome):
    kw = {"signal_id": 7, "contributors": CONTRIBUTORS, "by": by, "reason": "ok"}
    if outcome != "released":
        with pytest.raises(Refused) as refused:
            release(current, **kw, now=NOW, index=51)
        assert refused.value.field == outcome
        return
    after = release(current, **kw, now=NOW, index=51)
    assert after == HELD._replace(
        status="released", released_by=by, release_reason="ok", released_at=NOW, released_index=51
    )
    assert not is_held(after)


def test_reasons_are_required():
    with pytest.raises(Refused, match="reason"):
        hold(None, signal_id=7, signal_status="active", by=OPERATOR, reason=" ", now=NOW, index=1)
    with pytest.raises(Refused, match="reason"):
        release(HELD, signal_id=7, contributors=(), by=OPERATOR, reason="", now=NOW, index=1)


@pytest.mark.parametrize(
    ("record", "since", "expected"),
    [
        (None, T0, False),
        (HELD, T0 - timedelta(hours=1), False),  # held: not released at all
        (RELEASED, T0, True),  # released at the window's start
        (RELEASED, T0 - timedelta(seconds=1), True),
        (RELEASED, T0 + timedelta(seconds=1), False),  # released in an earlier window
    ],
)
def test_released_since(record, since, expected):
    assert released_since(record, since) is expected
