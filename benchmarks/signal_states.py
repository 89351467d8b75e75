"""Memory and speed of the in-memory signal states (``services/adapters/signal_states.py``).

N PDQ signals with taxonomy labels, one to three contributors and some feedback are
given to ``SignalStates.update`` in pages of 50,000, as the log follower gives them.
Measured: bytes per signal (the columns at their capacity, and the process's resident
memory growth), update rate, and ``describe_many`` of one matched signal. The baseline in
the same run is the obvious structure — a dict per signal holding its answer
(``signal_views.describe``), built for a sample and measured with tracemalloc — and, for
the lookup, ``describe`` of a state already in hand.

    .venv/bin/python benchmarks/signal_states.py [--quick] [--signals N]
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clearinghouse.services.adapters.signal_states import SignalStates
from clearinghouse.services.read_models.signal_views import describe
from clearinghouse.signals.taxonomy import load_taxonomy
from tests.unit.matching.test_signal_states import _page as state_page

PAGE = 50_000
SAMPLE = 100_000
MEMBERS = [f"member-{n}" for n in range(40)]


class Row(NamedTuple):
    id: int
    signal_type: str
    value: str
    status: str
    quality: int | None
    first_seen: datetime
    last_seen: datetime


class State(NamedTuple):
    """A signal with its state, as ``tests/unit/matching/test_signal_states`` makes them:
    the database view's fields, each contribution's labels and the verdicts."""

    signal: Row
    labels: dict[str, int]
    contributors: tuple[str, ...]
    agree: int
    disagree: int
    lists: list[tuple[str, ...]]
    verdicts: tuple[str, ...]


def make_states(start: int, count: int, rng: random.Random, labels: list[str]) -> list[State]:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    out = []
    for sid in range(start, start + count):
        first = base + timedelta(milliseconds=rng.randrange(10**10))
        who = tuple(sorted(rng.sample(MEMBERS, rng.choice((1, 1, 1, 2, 3)))))
        picked = rng.sample(labels, rng.choice((1, 1, 2)))
        row = Row(sid, "pdq", rng.randbytes(32).hex(), "active", 90, first, first)
        counts = {label: len(who) for label in sorted(picked)}
        agree, disagree = rng.choice((0, 0, 1)), rng.choice((0, 0, 0, 1))
        verdicts = ("agree",) * agree + ("disagree",) * disagree
        lists = [tuple(sorted(picked))] * len(who)
        out.append(State(row, counts, who, agree, disagree, lists, verdicts))
    return out


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2×10^5 signals")
    parser.add_argument("--signals", type=int, default=None, help="default 10^7")
    args = parser.parse_args()
    n = args.signals or (200_000 if args.quick else 10_000_000)
    rng = random.Random(7)
    labels = sorted(load_taxonomy().labels)
    print(f"load average {os.getloadavg()[0]:.1f}; {n:,} PDQ signals")

    # Baseline: one dict per signal holding its answer, for a sample.
    sample = make_states(1, min(SAMPLE, n), rng, labels)
    gc.collect()
    tracemalloc.start()
    answers = {s.signal.id: describe(2, s) for s in sample}
    dict_bytes = tracemalloc.get_traced_memory()[0] / len(answers)
    tracemalloc.stop()
    del answers

    states = SignalStates({"pdq": 32})
    gc.collect()
    before, spent = rss(), 0.0
    for start in range(1, n + 1, PAGE):
        page = state_page(make_states(start, min(PAGE, n + 1 - start), rng, labels))
        t = time.perf_counter()
        states.update(page)
        spent += time.perf_counter() - t
    del page
    gc.collect()
    grown = (rss() - before) / n
    held = states.memory_bytes / n

    one = [n // 2]
    reps = 20_000
    t = time.perf_counter()
    for _ in range(reps):
        states.describe_many(one, 2)
    ours_us = (time.perf_counter() - t) / reps * 1e6
    state = sample[len(sample) // 2]
    t = time.perf_counter()
    for _ in range(reps):
        describe(2, state)
    base_us = (time.perf_counter() - t) / reps * 1e6
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    print("| measure | ours (columns) | baseline: a dict per signal | ratio |")
    print("|---|---|---|---|")
    print(f"| bytes per signal (columns at capacity) | {held:.1f} | {dict_bytes:,.0f} | "
          f"{held / dict_bytes:.3f} |")  # fmt: skip
    print(f"| resident memory growth per signal | {grown:.1f} | — | — |")
    print(f"| at {n:,} signals | {states.memory_bytes / 2**20:,.0f} MiB | "
          f"{dict_bytes * n / 2**20:,.0f} MiB (extrapolated) | |")  # fmt: skip
    print(f"| update, signals/s | {n / spent:,.0f} | — | — |")
    print(f"| one matched signal's answer, µs | {ours_us:.1f} | {base_us:.1f} "
          f"(describe of a state in hand) | {ours_us / base_us:.2f} |")  # fmt: skip


if __name__ == "__main__":
    main()
