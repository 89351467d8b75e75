"""Validating many items at once: every bad item listed by index, nothing stops early."""

from __future__ import annotations

import pytest

from clearinghouse.errors import InvalidInput
from clearinghouse.signals import ItemErrors, default_registry, default_taxonomy, parse_items

R = default_registry()


def test_good_items_parse_in_order():
    items = [
        {"signal_type": "md5", "value": "A" * 32},
        {"signal_type": "pdq", "value": "b" * 64, "quality": 90},
    ]
    signals = parse_items(R, items)
    assert [s.signal_type for s in signals] == ["md5", "pdq"]
    assert signals[0].value == "a" * 32


def test_every_bad_item_is_listed_by_index():
    items = [
        {"signal_type": "md5", "value": "a" * 32},
        {"signal_type": "md5", "value": "a" * 31},
        "not an object",
        {"value": "a" * 32},
        {"signal_type": "pdq", "value": "a" * 64, "quality": 10},
        {"signal_type": "tlsh", "value": "x"},
    ]
    with pytest.raises(InvalidInput) as caught:
        parse_items(R, items)
    assert caught.value.errors == [
        {"index": 1, "field": "value", "reason": "expected 32 hex characters, got 31"},
        {"index": 2, "field": "item", "reason": "expected an object"},
        {"index": 3, "field": "signal_type", "reason": "missing"},
        {"index": 4, "field": "quality", "reason": "10 is below the minimum 50 for pdq"},
        {
            "index": 5,
            "field": "signal_type",
            "reason": "unknown signal type 'tlsh'; known: ahash, dhash, md5, pdq, phash, sha256, "
            "sha512, tmk, vpdq, whash",
        },
    ]
    assert caught.value.detail.startswith("5 bad items; first: item 1 value:")


def test_callers_add_their_own_checks_before_raising():
    errors = ItemErrors()
    items = [
        {"signal_type": "md5", "value": "a" * 32, "labels": ["behaviour:unknown"]},
        {"signal_type": "md5", "value": "zz", "labels": []},
    ]
    signals = parse_items(R, items, errors=errors)
    assert signals[0] is not None and signals[1] is None
    taxonomy = default_taxonomy()
    for i, item in enumerate(items):
        errors.check(i, lambda item=item: taxonomy.validate(item["labels"]))
    assert [(e["index"], e["field"]) for e in errors.errors] == [(1, "value"), (0, "labels[0]")]
    with pytest.raises(InvalidInput) as caught:
        errors.raise_if_any("items")
    assert len(caught.value.errors) == 2


def test_no_errors_raises_nothing():
    errors = ItemErrors()
    assert not errors
    errors.raise_if_any()
    assert errors.check(0, lambda: 5) == 5
