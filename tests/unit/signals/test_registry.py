"""Building the registry from settings, and the max_distance rules."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from clearinghouse.errors import ConfigError
from clearinghouse.signals import (
    DEFAULT_MAX_DISTANCES,
    SignalError,
    build_registry,
    default_registry,
    registry_from_settings,
)


def test_defaults_follow_the_design():
    r = default_registry()
    assert r.resolve_max_distance("pdq") == 31
    assert r.resolve_max_distance("md5") == 0
    assert r.resolve_max_distance("sha256") == 0
    assert r.resolve_max_distance("vpdq") == 31
    for name in ("phash", "dhash", "ahash", "whash"):
        assert r.resolve_max_distance(name) == DEFAULT_MAX_DISTANCES[name]
    v = r.get("vpdq")
    assert (v.query_match_pct, v.index_match_pct, v.min_quality) == (80.0, 0.0, 50)


@pytest.mark.parametrize(
    ("signal_type", "max_distance", "reason"),
    [
        ("pdq", 64, "64 is above the ceiling 63 for pdq"),
        ("phash", 17, "17 is above the ceiling 16 for phash"),
        ("md5", 1, "1 is above the ceiling 0 for md5"),
        ("pdq", -1, "expected a non-negative integer, got -1"),
        ("pdq", 3.5, "expected a non-negative integer, got 3.5"),
        ("pdq", True, "expected a non-negative integer, got True"),
        ("pdq", "ten", "expected a non-negative integer, got 'ten'"),
        ("pdq", "-3", "expected a non-negative integer, got '-3'"),
    ],
)
def test_max_distance_above_the_ceiling_or_negative_is_refused(signal_type, max_distance, reason):
    with pytest.raises(SignalError) as caught:
        default_registry().resolve_max_distance(signal_type, max_distance)
    assert caught.value.field == "max_distance"
    assert caught.value.reason == reason


def test_max_distance_accepts_query_string_digits_and_the_ceiling_itself():
    r = default_registry()
    assert r.resolve_max_distance("pdq", "40") == 40
    assert r.resolve_max_distance("pdq", 63) == 63
    assert r.resolve_max_distance("pdq", 0) == 0


def test_settings_shape_the_registry():
    r = build_registry(
        pdq_min_quality=70,
        max_distance_defaults={"phash": 4},
        max_distance_ceilings={"pdq": 40, "phash": 8},
        vpdq_max_frames=2,
        vpdq_query_match_pct=50,
        vpdq_index_match_pct=25,
    )
    assert r.get("pdq").max_distance_ceiling == 40
    assert r.resolve_max_distance("phash") == 4
    with pytest.raises(SignalError, match="below the minimum 70"):
        r.parse("pdq", "a" * 64, 69)
    frame = {"pdq": "a" * 64, "quality": 90, "timestamp": 0}
    with pytest.raises(SignalError, match="at most 2 frames, got 3"):
        r.parse("vpdq", [frame] * 3)
    assert (r.get("vpdq").query_match_pct, r.get("vpdq").index_match_pct) == (50.0, 25.0)


def test_registry_from_a_settings_object_uses_defaults_for_missing_fields():
    settings = SimpleNamespace(pdq_min_quality=60, max_distance_ceilings={"pdq": 50})
    r = registry_from_settings(settings)
    assert r.get("pdq").min_quality == 60
    assert r.get("pdq").max_distance_ceiling == 50
    assert r.get("vpdq").max_frames == 10_000


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"pdq_min_quality": 101}, "pdq_min_quality: expected an integer 0–100"),
        ({"max_distance_ceilings": {"tlsh": 3}}, "unknown signal type 'tlsh'"),
        ({"max_distance_ceilings": {"md5": 2}}, "md5 matches exactly"),
        ({"max_distance_ceilings": {"phash": 65}}, "phash ceiling 65 is outside 0–64"),
        ({"max_distance_ceilings": {"pdq": 20}}, "pdq default 31 is outside 0–20"),
        ({"max_distance_defaults": {"phash": -1}}, "expected an integer 0–256"),
        ({"vpdq_max_frames": 0}, "vpdq_max_frames"),
        ({"vpdq_query_match_pct": 120}, "vpdq_query_match_pct: expected a percentage"),
    ],
)
def test_bad_settings_stop_start_up(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        build_registry(**kwargs)


def test_registry_lists_and_contains_types():
    r = default_registry()
    assert r.names == (
        "ahash",
        "dhash",
        "md5",
        "pdq",
        "phash",
        "sha256",
        "sha512",
        "tmk",
        "vpdq",
        "whash",
    )
    assert "pdq" in r and "tlsh" not in r
    assert list(r) == list(r.names)
