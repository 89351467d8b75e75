"""The byte budget of list answers against the obvious twin: encode every prefix."""

from __future__ import annotations

import base64
import json
import random

import pytest

from clearinghouse.services.read_models.list_budget import ANSWER_RESERVE, encoded_size, fit


def _twin(items, max_bytes):
    """The longest prefix whose JSON array fits, or the first item alone."""
    best = items[:1]
    for n in range(1, len(items) + 1):
        if len(json.dumps(items[:n], separators=(",", ":"))) <= max_bytes - ANSWER_RESERVE:
            best = items[:n]
    return best


@pytest.mark.parametrize("seed", range(20))
def test_fit_keeps_the_longest_prefix_that_fits(seed):
    rng = random.Random(seed)
    items = [{"index": i, "data": "é" * rng.randrange(0, 400)} for i in range(rng.randrange(60))]
    budget = rng.randrange(ANSWER_RESERVE + 1, ANSWER_RESERVE + 20_000)
    assert fit(items, budget) == _twin(items, budget)


def test_an_item_larger_than_the_budget_is_served_alone():
    items = [{"data": "x" * 10_000}, {"data": "y"}]
    assert fit(items, 4096) == items[:1]
    assert fit([], 4096) == []


def test_fit_reads_no_further_than_it_keeps():
    taken = []

    def lazily():
        for i in range(1_000):
            taken.append(i)
            yield {"data": "z" * 1_000}

    kept = fit(lazily(), 10_000)
    assert len(taken) == len(kept) + 1
    assert encoded_size(kept) <= 10_000 - ANSWER_RESERVE


@pytest.mark.parametrize("index", [0, 7, 12_345, 10**12])
@pytest.mark.parametrize("length", [0, 1, 2, 3, 100, 1_001])
def test_a_log_entry_size_is_its_encoded_size(index, length):
    from clearinghouse.services.read_models.transparency import entry_size

    entry = {"index": index, "data": base64.b64encode(bytes(range(256)) * 4)[:length].decode()}
    assert entry_size(entry) == encoded_size(entry)
