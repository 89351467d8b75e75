"""The collector pause around statements: it nests across threads and always restores
the collector to what it was."""

from __future__ import annotations

import gc
import threading

import pytest

from clearinghouse.services.adapters.gc_pause import collector_paused


@pytest.fixture
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_paused_inside_and_resumed_after(collector_on):
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_resumed_after_an_error(collector_on):
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("refused")
    assert gc.isenabled()


def test_stays_off_when_it_was_off(collector_on):
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()
    gc.enable()


def test_overlapping_pauses_from_two_threads(collector_on):
    """A enters, B enters, A leaves (still paused: B runs), B leaves (resumed)."""
    entered, release_a, a_left, release_b = (threading.Event() for _ in range(4))
    seen = {}

    def a():
        with collector_paused():
            entered.set()
            release_a.wait(5)
        a_left.set()

    def b():
        entered.wait(5)
        with collector_paused():
            release_a.set()
            a_left.wait(5)
            seen["after a left"] = gc.isenabled()
            release_b.wait(5)

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    a_left.wait(5)
    release_b.set()
    for t in threads:
        t.join(5)
    assert seen == {"after a left": False}
    assert gc.isenabled()
