"""An incident's figures from contribution groups, pure: the periods of its timeline
(hours, days or months by its length), counts that add up, only its own label counted,
and durations for people."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from clearinghouse.domain.incidents import IncidentRecord
from clearinghouse.services.read_models.incident_figures import describe, waited
from clearinghouse.store.incident_figures import ContributionGroup

DECLARED = datetime(2026, 3, 15, 14, 2, 30, tzinfo=UTC)


def record(concluded: datetime | None = None, slug: str = "harbour") -> IncidentRecord:
    return IncidentRecord(slug, "Harbour", "", "concluded" if concluded else "active", "gifct",
                          DECLARED, DECLARED, concluded, 7, 7)  # fmt: skip


def group(after: timedelta, member="alice", kind="pdq", n=3, corroborating=0, labels=None):
    at = DECLARED + after
    hour = at.replace(minute=0, second=0, microsecond=0)
    text = json.dumps(labels or ["incident:harbour"])
    return ContributionGroup(text, member, kind, hour, n, corroborating, 0, at)


def naive_count(groups, slug="harbour") -> dict[str, int]:
    """The slow twin: new signals per type, straight from the groups."""
    out: dict[str, int] = {}
    for g in groups:
        if f"incident:{slug}" in json.loads(g.labels):
            out[g.signal_type] = out.get(g.signal_type, 0) + g.contributions - g.corroborations
    return out


@pytest.mark.parametrize(
    ("last", "unit", "periods"),
    [
        (timedelta(minutes=20), "hour", 1),
        (timedelta(hours=5), "hour", 6),
        (timedelta(days=2), "hour", 49),
        (timedelta(days=5), "day", 6),
        (timedelta(days=200), "month", 8),  # 15 March to the start of October
    ],
)
def test_the_timeline_runs_from_the_declaration_to_the_last_hash(last, unit, periods):
    groups = [
        group(timedelta(minutes=3)),
        group(last, member="bob", kind="md5", n=2, corroborating=1),
        group(last, labels=["incident:other"]),  # another incident's: not counted
    ]
    shown = describe(record(), groups)
    timeline = shown["timeline"]
    assert (timeline["unit"], len(timeline["periods"])) == (unit, periods)
    starts = [datetime.fromisoformat(s) for s in timeline["period_starts"]]
    assert starts == sorted(starts) and starts[0] <= DECLARED  # the declaration's period first
    assert len(starts) == 1 or starts[1] > DECLARED
    counted = {t: sum(v) for t, v in timeline["new_signals"].items()}
    assert counted == naive_count(groups) == shown["signals_by_type"] == {"md5": 1, "pdq": 3}
    assert shown["seconds_to_first_hash"] == 180 and shown["waited"] == "3 min 0 s"
    assert shown["corroborations"] == 1 and shown["contributions"] == 5


def test_a_conclusion_extends_the_timeline_to_it():
    shown = describe(record(concluded=DECLARED + timedelta(hours=3)), [group(timedelta(0))])
    assert len(shown["timeline"]["periods"]) == 4  # 14:00 to 17:00
    assert shown["timeline"]["new_signals"]["pdq"] == [3, 0, 0, 0]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "no hash yet"), (0, "0 s"), (42, "42 s"), (185, "3 min 5 s"),
     (7800, "2 h 10 min"), (3 * 86400 + 4 * 3600 + 5, "3 d 4 h")],
)  # fmt: skip
def test_durations_read_as_people_say_them(seconds, text):
    assert waited(seconds) == text
