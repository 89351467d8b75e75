"""The transparency report (DESIGN §13): signals by type, label family and month;
submitted, corroborated, confirmed, disputed and retracted; members' activity.

Aggregates come grouped from the database; the finished report is kept per process and
rebuilt in the background once CACHE_SECONDS old, since at millions of signals its
queries take seconds and it changes slowly. ``report_csv`` gives the same figures as one table.
"""

from __future__ import annotations

import csv
import io
import json
import threading
import time
import weakref
from typing import TYPE_CHECKING

from clearinghouse.services.read_models import incident_figures
from clearinghouse.store import report as rows

if TYPE_CHECKING:
    from clearinghouse.store.db import Database

__all__ = ["CACHE_SECONDS", "report", "report_csv"]

CACHE_SECONDS = 30.0
_lock = threading.Lock()
_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # Database → (time, report)


_refreshing: weakref.WeakSet = weakref.WeakSet()  # databases whose report is being rebuilt


def report(db: Database, confirm_threshold: int, *, fresh: bool = False) -> dict:
    """The report's figures. Only the first build (or ``fresh``) makes the caller wait;
    after CACHE_SECONDS a reader gets the last report while a thread builds the next."""
    cached = _cache.get(db)
    if fresh or cached is None:
        return _rebuild(db, confirm_threshold)
    if time.monotonic() - cached[0] >= CACHE_SECONDS:
        with _lock:
            start = db not in _refreshing
            _refreshing.add(db)
        if start:
            threading.Thread(
                target=_rebuild, args=(db, confirm_threshold), name="report", daemon=True
            ).start()
    return cached[1]


def _rebuild(db: Database, confirm_threshold: int) -> dict:
    try:
        built = _build(db, confirm_threshold)
        _cache[db] = (time.monotonic(), built)
        return built
    finally:
        _refreshing.discard(db)


def _build(db: Database, confirm_threshold: int) -> dict:
    with db.read() as session:
        by_type = rows.signals_by_type_and_month(session)
        contributions = rows.contributions_by_month(session)
        feedback = rows.feedback_by_month(session)
        label_sets = rows.label_sets(session)
        states = rows.signal_states_count(session, confirm_threshold)
        members = rows.member_activity(session)
        incidents = incident_figures.summaries(session)
    months = sorted({m for _, m, _ in by_type} | {c[0] for c in contributions})
    types = sorted({t for t, _, _ in by_type})
    type_month = {t: dict.fromkeys(months, 0) for t in types}
    for t, m, n in by_type:
        type_month[t][m] = n
    labels: dict[str, int] = {}
    family_month: dict[str, dict[str, int]] = {}
    for text, month, n in label_sets:
        for label in json.loads(text) if text else []:
            labels[label] = labels.get(label, 0) + n
            family = family_month.setdefault(label.split(":", 1)[0], dict.fromkeys(months, 0))
            family[month] = family.get(month, 0) + n
    activity = {m: {"submitted": 0, "corroborated": 0, "retracted": 0} for m in months}
    for month, submitted, corroborating, retracted in contributions:
        activity.setdefault(month, {}).update(
            submitted=submitted, corroborated=corroborating, retracted=retracted
        )
    verdicts = {m: {"agree": a, "disagree": d} for m, a, d in feedback}
    return {
        "months": months,
        "types": types,
        "signals_by_type_month": type_month,
        "type_totals": {t: sum(type_month[t].values()) for t in types},
        "label_families": {
            f: sum(by_month.values()) for f, by_month in sorted(family_month.items())
        },
        "label_families_by_month": dict(sorted(family_month.items())),
        "labels": dict(sorted(labels.items(), key=lambda kv: (-kv[1], kv[0]))),
        "activity": dict(sorted(activity.items())),
        "feedback": dict(sorted(verdicts.items())),
        "states": states,
        "members": [
            {"member": m, "status": s, "contributions": c, "retracted": r, "feedback": f}
            for m, s, c, r, f in members
        ],
        "incidents": incidents,
    }


class _Table:
    """CSV rows of the report's five columns; rows without a time end in an empty one."""

    def __init__(self, out: io.StringIO) -> None:
        self._writer = csv.writer(out, lineterminator="\n")

    def writerow(self, cells: list) -> None:
        self._writer.writerow([*cells, *[""] * (5 - len(cells))])


def report_csv(figures: dict) -> str:
    """The report as one CSV table: ``section,key,month,count,time``; ``time`` is filled
    for the incidents' rows only (their times, and the start of each period counted)."""
    out = io.StringIO()
    writer = _Table(out)
    writer.writerow(["section", "key", "month", "count", "time"])
    for t, by_month in figures["signals_by_type_month"].items():
        for month, n in by_month.items():
            writer.writerow(["signals_by_type", t, month, n])
    for family, by_month in figures["label_families_by_month"].items():
        for month, n in by_month.items():
            writer.writerow(["label_family", family, month, n])
    for label, n in figures["labels"].items():
        writer.writerow(["label", label, "", n])
    for month, counts in figures["activity"].items():
        for what, n in counts.items():
            writer.writerow([what, "", month, n])
    for month, counts in figures["feedback"].items():
        for what, n in counts.items():
            writer.writerow([f"feedback_{what}", "", month, n])
    for state, n in figures["states"].items():
        writer.writerow(["signals_now", state, "", n])
    for m in figures["members"]:
        for what in ("contributions", "retracted", "feedback"):
            writer.writerow([f"member_{what}", m["member"], "", m[what]])
    for incident in figures["incidents"]:
        _incident_rows(writer, incident)
    return out.getvalue()


def _incident_rows(writer: _Table, incident: dict) -> None:
    slug = incident["incident"]
    for what in ("declared", "updated", "concluded", "first_hash"):
        if incident[what]:
            writer.writerow([f"incident_{what}", slug, incident[what][:7], "", incident[what]])
    if incident["seconds_to_first_hash"] is not None:
        writer.writerow(["incident_seconds_to_first_hash", slug, "",
                         incident["seconds_to_first_hash"], ""])  # fmt: skip
    for t, n in incident["signals_by_type"].items():
        writer.writerow(["incident_signals_by_type", f"{slug}/{t}", "", n, ""])
    timeline = incident["timeline"]
    for t in timeline["types"]:
        for start, n in zip(timeline["period_starts"], timeline["new_signals"][t], strict=True):
            if n:
                writer.writerow(["incident_new_signals", f"{slug}/{t}", start[:7], n, start])
    writer.writerow(["incident_corroborations", slug, "", incident["corroborations"], ""])
    for m in incident["members"]:
        writer.writerow(["incident_member_contributions", f"{slug}/{m['member']}", "",
                         m["contributions"], ""])  # fmt: skip
