"""Subscription filters: read strictly, and each lets exactly its changes through."""

import pytest

from clearinghouse.errors import InvalidInput
from clearinghouse.services.adapters.webhook_filters import Filters
from clearinghouse.signals.taxonomy import default_taxonomy

GLORIFY = "behaviour:glorification-of-terrorist-acts"


def entry(signal_type="pdq", confirmed=False, status="active"):
    return {"signal_type": signal_type, "confirmed": confirmed, "status": status}


def read(**raw) -> Filters:
    return Filters.read(raw, default_taxonomy())


@pytest.mark.parametrize(
    "raw",
    [
        {"signal_types": ["png"]},
        {"signal_types": "pdq"},
        {"labels": ["behaviour:nope"]},
        {"labels": ["nofamily:*"]},
        {"incidents": ["Not A Slug"]},
        {"only_confirmed": "yes"},
        {"colour": ["red"]},
        {"labels": ["x"] * 101},
    ],
)
def test_bad_filters_are_refused(raw):
    with pytest.raises(InvalidInput):
        Filters.read(raw, default_taxonomy())


def test_each_filter_lets_exactly_its_changes_through():
    assert read(signal_types=["md5"]).passes_signal(entry("md5"), set())
    assert not read(signal_types=["md5"]).passes_signal(entry("pdq"), set())
    assert read(labels=[GLORIFY]).passes_signal(entry(), {GLORIFY})
    assert not read(labels=[GLORIFY]).passes_signal(entry(), {"entity:x"})
    assert read(labels=["behaviour:*"]).passes_signal(entry(), {GLORIFY})
    assert not read(labels=["entity:*"]).passes_signal(entry(), {GLORIFY})
    assert read(incidents=["harbour"]).passes_signal(entry(), {"incident:harbour"})
    assert not read(incidents=["harbour"]).passes_signal(entry(), {"incident:other"})
    assert read(only_confirmed=True).passes_signal(entry(confirmed=True), set())
    assert not read(only_confirmed=True).passes_signal(entry(), set())
    # A held signal leaves the only-confirmed pushes until it is released.
    held = {**entry(confirmed=True), "held": True}
    assert not read(only_confirmed=True).passes_signal(held, set())
    assert read().passes_signal(held, set())
    # A tombstone is judged by the labels its signal had; confirmation is not asked.
    assert read(only_confirmed=True).passes_signal(entry(status="retracted"), set())
    assert read(incidents=["harbour"]).passes_incident("harbour")
    assert not read(incidents=["harbour"]).passes_incident("other")
    assert read().passes_incident("other") and read().passes_signal(entry(), set())
