"""A burst of lookups holds a signal (DESIGN §15), on either database: its matches say
``"held": true``, the feed says so and the only-confirmed pushes drop it, another
process marks it at its next poll, the operator's release brings it back, and the audit
passes over the hold and release entries. The checker runs on a fake clock."""

from __future__ import annotations

import json
import time

import pytest
import support
from click.testing import CliRunner
from support import add_member, pdq_item, random_pdq

from clearinghouse.api import create_app
from clearinghouse.bootstrap import bootstrap
from clearinghouse.cli.audit import audit
from clearinghouse.config import load_settings
from clearinghouse.services.adapters.webhook_filters import Filters
from clearinghouse.services.use_cases import holds
from clearinghouse.services.use_cases.hold_checker import HoldChecker, HoldPolicy
from clearinghouse.store import holds as rows

WINDOW = 3600
FLOOR, MULTIPLE = 5, 10.0  # no history: held above 10 lookups in the window


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    # Stopped at the real start of the test: entry times (the release's) are real.
    return Clock(time.time())


@pytest.fixture
def settings(database_url, tmp_path):
    return load_settings(
        environ={}, data_dir=tmp_path / "data", database_url=database_url,
        hold_window_seconds=WINDOW, hold_multiple=MULTIPLE, hold_min_matches=FLOOR,
    )  # fmt: skip


def _with_clock(root, settings, clock):
    root.hold_checker = HoldChecker(
        root.db, HoldPolicy.from_settings(settings), root.holds, clock=clock
    )
    return root


@pytest.fixture
def root(settings, clock):
    built = _with_clock(bootstrap(settings), settings, clock)
    yield built
    built.close()


def _match(member, value) -> list[dict]:
    body = json.dumps({"queries": [{"signal_type": "pdq", "value": value}]}).encode()
    answer = member.request("POST", "/v1/match", body=body)
    assert answer.status_code == 200, answer.json
    return answer.json["results"][0]["matches"]


def _feed_entry(member, signal_id) -> dict:
    answer = member.request("GET", "/v1/signals")
    assert answer.status_code == 200, answer.json
    return next(s for s in answer.json["signals"] if s["signal_id"] == signal_id)


def test_a_burst_holds_a_signal_until_the_operator_releases_it(
    root, db, client, server, settings, clock, tmp_path
):
    alpha, bravo = add_member(db, client, "alpha"), add_member(db, client, "bravo")
    busy, quiet = random_pdq(), random_pdq()
    assert alpha.state("submission", [pdq_item(busy), pdq_item(quiet)]).status_code == 201
    assert bravo.state("submission", [pdq_item(busy)]).status_code == 201  # confirmed
    sid = _match(alpha, busy)[0]["signal_id"]
    quiet_id = _match(alpha, quiet)[0]["signal_id"]
    other = _with_clock(bootstrap(settings), settings, clock)  # another serving process
    try:
        other_member = support.TestMember("bravo", bravo.key, create_app(root=other).test_client())
        other.follower.poll()

        for _ in range(int(MULTIPLE) - 1):  # with the lookup above: 10, not more
            assert "held" not in _match(alpha, busy)[0]
        root.hold_checker.run()
        with db.read() as session:
            assert rows.window_counts(session, int(clock.now // WINDOW) * WINDOW) == {
                sid: 10, quiet_id: 1,
            }  # fmt: skip
            assert rows.held_ids(session) == frozenset()

        _match(other_member, busy)  # the eleventh, counted by the other process
        other.hold_checker.run()
        with db.read() as session:
            assert rows.held_ids(session) == {sid}
            record = rows.get_hold(session, sid)
        assert (record.by, record.status) == ("checker", "held")
        assert "matched 11 lookups" in record.reason

        # Held: still matched, marked so, in this process once it polls (≤ 1 s) …
        assert settings.index_poll_interval <= 1
        root.follower.poll()
        [found] = _match(alpha, busy)
        assert found["signal_id"] == sid and found["held"] is True
        assert "held" not in _match(alpha, quiet)[0]
        # … the feed says so, and a push keeping only confirmed signals drops it.
        assert alpha.request("GET", f"/v1/signals/{sid}").json["held"] is True
        entry = _feed_entry(alpha, sid)
        assert entry["held"] is True and entry["confirmed"] is True
        assert entry == {**_feed_entry(bravo, sid), "is_mine": entry["is_mine"]}
        only_confirmed = Filters(only_confirmed=True)
        assert not only_confirmed.passes_signal(entry, set(entry["labels"]))
        assert Filters().passes_signal(entry, set(entry["labels"]))

        # Released by the operator: back everywhere; the checker leaves it for the window.
        holds.release_signal(db, sid, "a picture everyone posts")
        _match(alpha, busy)
        assert root.hold_checker.run() == []  # released in this window: left alone
        root.follower.poll()
        other.follower.poll()
        assert "held" not in _match(alpha, busy)[0]
        assert "held" not in _match(other_member, busy)[0]
        assert "held" not in alpha.request("GET", f"/v1/signals/{sid}").json
        entry = _feed_entry(alpha, sid)
        assert "held" not in entry and only_confirmed.passes_signal(entry, set(entry["labels"]))
    finally:
        other.close()

    watchdog = add_member(db, client, "watchdog", roles="auditor")
    key_path = tmp_path / "watchdog.key"
    key_path.write_bytes(watchdog.key.to_pem())
    key_path.chmod(0o600)
    result = CliRunner().invoke(
        audit,
        ["verify", "--server", server, "--member", "watchdog", "--key", str(key_path), "--json"],
    )
    report = json.loads(result.stdout)
    assert result.exit_code == 0 and report["problems"] == [], report
