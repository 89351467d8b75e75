"""The report is built once, then served from cache while a thread rebuilds it."""

from __future__ import annotations

import threading

from clearinghouse.services.read_models import report as reports


class _Db:
    """Only its identity matters to the cache."""


def test_a_stale_report_is_served_while_the_next_is_built(monkeypatch):
    built, release = [], threading.Event()

    def build(db, threshold):
        built.append(threshold)
        if len(built) > 1:
            release.wait(10)
        return {"build": len(built)}

    monkeypatch.setattr(reports, "_build", build)
    db = _Db()
    assert reports.report(db, 2) == {"build": 1}
    assert reports.report(db, 2) == {"build": 1} and len(built) == 1  # cached
    stamp, figures = reports._cache[db]
    reports._cache[db] = (stamp - reports.CACHE_SECONDS - 1, figures)  # now stale
    assert reports.report(db, 2) == {"build": 1}  # the stale one, at once
    assert reports.report(db, 2) == {"build": 1}  # one rebuild at a time
    release.set()
    for thread in threading.enumerate():
        if thread.name == "report":
            thread.join(10)
    assert len(built) == 2
    assert reports.report(db, 2) == {"build": 2}
    assert reports.report(db, 2, fresh=True) == {"build": 3}
