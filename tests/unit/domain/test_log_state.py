"""The fold knows every entry type the service writes, and refuses what the rules refuse."""

from __future__ import annotations

import json

import rfc8785

from clearinghouse.crypto import Envelope
from clearinghouse.domain.log_state import FOLD, fold
from clearinghouse.signals.registry import default_registry
from clearinghouse.wire import ENTRY_TYPES, PAYLOAD_TYPES


def test_every_entry_type_has_a_fold_step():
    assert set(FOLD) == set(ENTRY_TYPES)


def test_unknown_types_and_broken_entries_are_problems_not_crashes():
    entries = [
        rfc8785.dumps({"type": "member_suspended", "time": "2026-11-28T00:00:00.000Z",
                       "member": "nobody"}),
        rfc8785.dumps({"type": "weather", "time": "2026-11-28T00:00:01.000Z"}),
    ]  # fmt: skip
    state = fold(enumerate(entries), default_registry())
    assert state.size == 2
    assert [p.split(":")[0] for p in state.problems] == ["entry 0 (member_suspended)", "entry 1"]


def _statement(kind: str, n: int, member: str, items: list[dict]) -> bytes:
    payload = json.dumps({"member": member, "items": items}).encode()
    envelope = Envelope(PAYLOAD_TYPES[kind], payload, (("k-" + member, b"\0" * 64),))
    time = f"2026-11-28T00:00:{n:02}.000Z"
    return rfc8785.dumps({"type": kind, "time": time, "member": member,
                          "key_id": "k-" + member, "envelope": envelope.to_dict()})  # fmt: skip


def test_an_item_the_rules_refuse_is_skipped_and_the_rest_of_its_statement_applies():
    # The service refuses such a statement whole; the fold applies the same rule per item
    # and notes the refused one, so a log written by other rules still folds.
    mine, theirs = (
        {"signal_type": "md5", "value": "ab" * 16},
        {"signal_type": "md5", "value": "cd" * 16},
    )
    labels = {"labels": ["behaviour:glorification-of-terrorist-acts"], "content_type": "video/mp4"}
    entries = [
        _statement("submission", 0, "alpha", [{**mine, **labels}]),
        _statement("submission", 1, "bravo", [{**theirs, **labels}]),
        _statement("retraction", 2, "alpha", [{**theirs, "reason": "x"}, {**mine, "reason": "x"}]),
    ]
    state = fold(enumerate(entries), default_registry())
    assert [p.split(":")[0] for p in state.problems] == ["entry 2 item 0"]
    assert "refused by the rules" in state.problems[0]
    assert [s.items for s in state.statements] == [
        ((1, "new"),),
        ((2, "new"),),
        ((1, "retracted"),),
    ]
    assert {h.signal.id: h.signal.status for h in state.histories.values()} == {
        1: "retracted", 2: "active",
    }  # fmt: skip


def _entry(kind: str, n: int, **fields) -> bytes:
    return rfc8785.dumps({"type": kind, "time": f"2026-11-28T00:00:{n:02}.000Z", **fields})


def test_holds_and_releases_fold_through_the_rule_and_move_the_feed_cursor():
    labels = {"labels": ["behaviour:glorification-of-terrorist-acts"], "content_type": "video/mp4"}
    md5 = {"signal_type": "md5", "value": "ab" * 16, **labels}
    entries = [
        _statement("submission", 0, "alpha", [md5]),
        _entry("signal_held", 1, signal_id=1, by="checker", reason="burst"),
        _entry("signal_held", 2, signal_id=1, by="operator", reason="again"),  # held already
        _entry("signal_released", 3, signal_id=1, by="operator", reason="fine"),
        _entry("signal_released", 4, signal_id=1, by="operator", reason="twice"),  # not held
        _entry("signal_held", 5, signal_id=9, by="operator", reason="none such"),
        _entry("signal_held", 6, signal_id=1, by="operator", reason="look"),
    ]
    state = fold(enumerate(entries), default_registry())
    assert [p.split(":")[0] for p in state.problems] == ["entry 2", "entry 4", "entry 5"]
    hold = state.holds[1]
    assert (hold.status, hold.by, hold.reason, hold.log_index) == ("held", "operator", "look", 6)
    assert [h.signal.updated_index for h in state.histories.values()] == [6]
    assert set(state.holds) == {1}


def _release(n: int, member: str, signal_id: int) -> bytes:
    payload = json.dumps({"member": member, "signal_id": signal_id, "reason": "ours"}).encode()
    envelope = Envelope(PAYLOAD_TYPES["release"], payload, (("k-" + member, b"\0" * 64),))
    return _entry("release", n, member=member, key_id="k-" + member, envelope=envelope.to_dict())


def test_a_contributors_release_folds_through_the_rule_and_is_a_statement():
    labels = {"labels": ["behaviour:glorification-of-terrorist-acts"], "content_type": "video/mp4"}
    entries = [
        _statement(
            "submission", 0, "alpha", [{"signal_type": "md5", "value": "ab" * 16, **labels}]
        ),
        _release(1, "alpha", 1),  # not held
        _entry("signal_held", 2, signal_id=1, by="checker", reason="burst"),
        _release(3, "bravo", 1),  # not a contributor
        _release(4, "alpha", 1),
    ]
    state = fold(enumerate(entries), default_registry())
    assert [p.split(":")[0] for p in state.problems] == ["entry 1", "entry 3"]
    hold = state.holds[1]
    assert (hold.status, hold.by, hold.log_index) == ("released", "alpha", 4)
    assert [h.signal.updated_index for h in state.histories.values()] == [4]
    # Only the accepted release is a statement; refused ones are not.
    assert [(s.log_index, s.kind) for s in state.statements] == [(0, "submission"), (4, "release")]
