"""The per-process match counter: per signal and window, nothing else, on a fake clock."""

from __future__ import annotations

from clearinghouse.services.adapters.match_counter import MatchCounter, window_start


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _answer(*per_query: list[int]) -> list[dict]:
    return [{"matches": [{"signal_id": sid, "distance": 0} for sid in ids]} for ids in per_query]


def test_window_start():
    assert window_start(3599.9, 3600) == 0
    assert window_start(3600.0, 3600) == 3600
    assert window_start(7300.5, 60) == 7260


def test_counts_each_query_answer_holding_a_signal_in_its_window():
    clock = Clock(1000.0)
    counter = MatchCounter(600, clock)
    counter.count(_answer([1, 2], [1], []))
    clock.now = 1199.0  # same window [600, 1200)
    counter.count(_answer([2]))
    clock.now = 1200.0
    counter.count(_answer([1]))
    assert counter.take() == {600: {1: 2, 2: 2}, 1200: {1: 1}}
    assert counter.take() == {}


def test_a_lookup_without_matches_counts_nothing():
    counter = MatchCounter(60, Clock(5.0))
    counter.count(_answer([], []))
    assert counter.take() == {}


def test_counts_given_back_are_added_to_the_next_take():
    clock = Clock(10.0)
    counter = MatchCounter(60, clock)
    counter.count(_answer([3]))
    taken = counter.take()
    counter.count(_answer([3, 4]))
    counter.give_back(taken)
    assert counter.take() == {0: {3: 2, 4: 1}}
