"""The embedded replay cache: a memory-mapped table shared by processes, checked against a
plain dict of signatures seen, and raced by forked processes."""

from __future__ import annotations

import multiprocessing
import os
import random
import stat

import pytest

from clearinghouse.errors import ServiceUnavailable
from clearinghouse.services.adapters.replay_table import WINDOW, ReplayTable


class DictTwin:
    """Obviously correct: every signature seen, with the end of its window."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def first_use(self, key: str, valid_until: int, now: int) -> bool:
        if key in self.seen and self.seen[key] >= now - 1:
            return False
        self.seen[key] = valid_until
        return True


def test_agrees_with_a_dict_of_seen_signatures(tmp_path):
    table, twin = ReplayTable(tmp_path / "replay.table", 4096), DictTwin()
    rng = random.Random(7)
    keys = [f"sig-{n}" for n in range(600)]
    now = 1_000
    for _ in range(5_000):
        now += rng.choice((0, 0, 0, 1, 3))
        key = rng.choice(keys)
        until = now + rng.randint(0, 20)
        assert table.first_use(key, until, now) == twin.first_use(key, until, now), key
    table.close()


def test_a_replay_is_refused_until_its_window_closes_then_the_slot_is_reused(tmp_path):
    table = ReplayTable(tmp_path / "replay.table", WINDOW)  # one window: every key shares it
    assert table.first_use("a", 110, 100)
    assert not table.first_use("a", 110, 100)
    assert not table.first_use("a", 110, 111)  # one second of slack past the window
    for n in range(WINDOW - 1):
        assert table.first_use(f"k{n}", 200, 100)
    with pytest.raises(ServiceUnavailable):  # full of live signatures: refuse, never forget
        table.first_use("b", 200, 105)
    assert table.first_use("b", 200, 112)  # "a" expired: its slot is taken
    table.close()


def test_the_table_survives_reopening_and_keeps_its_size_and_mode(tmp_path):
    path = tmp_path / "replay.table"
    first = ReplayTable(path, 1024)
    assert first.first_use("x", 500, 100)
    first.close()
    again = ReplayTable(path, 8192)  # a different setting does not move existing entries
    assert not again.first_use("x", 500, 101)
    assert again.slots == 1024
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    again.close()


def test_a_damaged_file_is_replaced_by_an_empty_table(tmp_path):
    path = tmp_path / "replay.table"
    path.write_bytes(b"not a replay table")
    table = ReplayTable(path, 1024)
    assert table.first_use("x", 500, 100)
    assert not table.first_use("x", 500, 100)
    table.close()


def _race(path: str, keys: list[str], start, wins) -> None:
    table = ReplayTable(path, 1024)  # inherited object re-opens after the fork
    start.wait()
    wins.put(sum(table.first_use(k, 10_000, 100) for k in keys))


def test_forked_processes_accept_each_signature_exactly_once(tmp_path):
    path = tmp_path / "replay.table"
    shared = ReplayTable(path, 1024)
    assert shared.first_use("before-fork", 10_000, 100)
    keys = [f"sig-{n}" for n in range(300)] + ["before-fork"]
    ctx = multiprocessing.get_context("fork")
    start, wins = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_race, args=(str(path), keys, start, wins)) for _ in range(4)]
    for p in procs:
        p.start()
    start.set()
    total = sum(wins.get(timeout=60) for _ in procs)
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert total == 300  # every new signature once across all processes; none twice
    shared.close()


def _use_inherited(table: ReplayTable, wins) -> None:
    wins.put(table.first_use("child", 10_000, 100))


def test_an_object_opened_before_a_fork_works_in_the_child(tmp_path):
    table = ReplayTable(tmp_path / "replay.table", 1024)
    assert table.first_use("parent", 10_000, 100)
    ctx = multiprocessing.get_context("fork")
    wins = ctx.Queue()
    child = ctx.Process(target=_use_inherited, args=(table, wins))
    child.start()
    assert wins.get(timeout=60) is True
    child.join(timeout=60)
    assert not table.first_use("child", 10_000, 100)  # the parent sees the child's entry
    table.close()
