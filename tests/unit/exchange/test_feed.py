"""A malformed change feed page is an error, never an endless loop (HMA #2004, #1668)."""

from __future__ import annotations

import pytest
from threatexchange.signal_type.pdq.signal import PdqSignal

from clearinghouse.crypto import SigningKey
from clearinghouse.errors import VerificationError
from clearinghouse.exchange import ClearinghouseCollabConfig, ClearinghouseSignalExchangeAPI
from clearinghouse.tlog import EMPTY_ROOT, Checkpoint, NoteVerifier, sign_checkpoint

ORIGIN = "ch.test/log"
GOOD = {
    "signal_id": 1,
    "signal_type": "pdq",
    "value": "ab" * 32,
    "status": "active",
    "labels": {"x": 1},
    "confirmed": False,
    "disputed": False,
    "is_mine": False,
    "content_types": ["image/jpeg"],
}
TIME = "2026-11-29T05:00:00.000Z"


class FakeFeed:
    """Serves a fixed list of pages, then empty ones; counts the calls."""

    def __init__(self, pages):
        key = SigningKey.generate()
        self.pages = list(pages)
        self.calls = 0
        self.vkey = NoteVerifier.for_key(ORIGIN, key.verify_key).vkey
        self.note = sign_checkpoint(Checkpoint(ORIGIN, 0, EMPTY_ROOT), key)

    def log_key(self):
        return self.vkey

    def log_checkpoint(self):
        return self.note

    def signals(self, after, limit):
        self.calls += 1
        if self.calls > 20:
            raise AssertionError("the exchange keeps asking for pages")
        if self.pages:
            return self.pages.pop(0)
        return {"signals": [], "next": after, "checkpoint_time": TIME}


def _api(feed):
    collab = ClearinghouseCollabConfig("c", "clearinghouse", True, server_url="http://x")
    return ClearinghouseSignalExchangeAPI(collab, feed)


def page(signals=(GOOD,), next="1.1", checkpoint_time=TIME, **extra):
    return {"signals": list(signals), "next": next, "checkpoint_time": checkpoint_time, **extra}


BAD_PAGES = {
    "not an object": [["signals"]],
    "signals not a list": [page() | {"signals": {"a": 1}}],
    "next not a string": [page(next=17)],
    "signal not an object": [page(signals=["ab" * 32])],
    "signal_id missing": [page(signals=[{k: v for k, v in GOOD.items() if k != "signal_id"}])],
    "signal_id a bool": [page(signals=[GOOD | {"signal_id": True}])],
    "signal_type missing": [page(signals=[GOOD | {"signal_type": None}])],
    "unknown status": [page(signals=[GOOD | {"status": "pending"}])],
    "value missing": [page(signals=[{k: v for k, v in GOOD.items() if k != "value"}])],
    "labels a list": [page(signals=[GOOD | {"labels": ["x"]}])],
    "confirmed a string": [page(signals=[GOOD | {"confirmed": "yes"}])],
    "content_types a string": [page(signals=[GOOD | {"content_types": "image/jpeg"}])],
    "checkpoint_time not a time": [page(checkpoint_time="yesterday")],
    "checkpoint_time without zone": [page(checkpoint_time="2026-11-29T05:00:00")],
    "signals without a next cursor": [page(next=None)],
    "a cursor that does not move": [page(next="1.1"), page(next="1.1")],
    "time going backwards": [page(next="1.1"), page(next="2.2", checkpoint_time="2020-01-01Z")],
}


@pytest.mark.parametrize("pages", BAD_PAGES.values(), ids=BAD_PAGES.keys())
def test_a_malformed_page_stops_the_fetch_with_an_error(pages):
    feed = FakeFeed(pages)
    with pytest.raises(VerificationError, match="change feed"):
        for _ in _api(feed).fetch_iter([PdqSignal], None):
            pass
    assert feed.calls == len(pages)


def test_well_formed_pages_end_when_caught_up():
    feed = FakeFeed([page(next="1.1"), page(signals=[GOOD | {"signal_id": 2}], next="2.2")])
    deltas = list(_api(feed).fetch_iter([PdqSignal], None))
    assert [sorted(d.updates) for d in deltas] == [[1], [2], []]
    assert deltas[-1].checkpoint.cursor == "2.2"
    assert feed.calls == 3
