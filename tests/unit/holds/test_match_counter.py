"""The per-process match counter on a fake clock: one count per signal per request,
windows cut at multiples of their length, handed over once, given back on failure."""

from __future__ import annotations

from clearinghouse.services.adapters.match_counter import MatchCounter, window_start


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _answer(*per_query: tuple[int, ...]) -> list[dict]:
    return [{"matches": [{"signal_id": sid} for sid in ids]} for ids in per_query]


def test_window_start_is_the_multiple_of_the_length_at_or_before_the_moment():
    assert [window_start(t, 60) for t in (0, 59.999, 60, 61, 3599.5)] == [0, 0, 60, 60, 3540]


def test_a_request_counts_each_signal_it_matched_once():
    clock = Clock(1_000.0)
    counter = MatchCounter(60, clock)
    counter.count(_answer((7, 8), (7,), (7, 9)))  # e.g. three variants of one file
    counter.count(_answer((7,)))
    counter.count(_answer((), ()))  # nothing matched: nothing counted
    assert counter.take() == {960: {7: 2, 8: 1, 9: 1}}
    assert counter.take() == {}


def test_counts_go_to_the_window_of_the_moment_they_are_made():
    clock = Clock(959.0)
    counter = MatchCounter(60, clock)
    counter.count(_answer((1,)))
    clock.now = 960.0
    counter.count(_answer((1,)))
    counter.count(_answer((2,)))
    assert counter.take() == {900: {1: 1}, 960: {1: 1, 2: 1}}


def test_counts_given_back_are_added_to_those_made_since():
    clock = Clock(0.0)
    counter = MatchCounter(10, clock)
    counter.count(_answer((1,)))
    taken = counter.take()
    counter.count(_answer((1,)))
    counter.give_back(taken)
    assert counter.take() == {0: {1: 2}}


def test_the_counter_agrees_with_a_plain_tally():
    # The slow twin: every (window, signal) of every request, tallied by hand.
    clock = Clock(0.0)
    counter = MatchCounter(7, clock)
    expected: dict[int, dict[int, int]] = {}
    for n in range(200):
        clock.now = n * 0.9
        ids = {(n * 3) % 5, (n * 7) % 4} if n % 3 else set()
        counter.count(_answer(tuple(ids), tuple(ids)))
        for sid in ids:
            window = int(clock.now // 7) * 7
            expected.setdefault(window, {}).setdefault(sid, 0)
            expected[window][sid] += 1
    assert counter.take() == expected
