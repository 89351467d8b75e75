"""Each signal type's own value forms agree with one another: the index form of a parsed
signal is that of its stored text, the wire form of the stored text is the signal's
wire value, and a lookup's forms start with the signal itself."""

from __future__ import annotations

import random

import numpy as np
import pytest

from clearinghouse.signals.dihedral import dihedral_variants
from clearinghouse.signals.errors import SignalError
from clearinghouse.signals.registry import build_registry, default_registry
from clearinghouse.signals.types import Signal

REGISTRY = default_registry()


def _example(rng: random.Random, name: str) -> Signal:
    kind = REGISTRY.get(name)
    if kind.index_kind == "tmk":
        from clearinghouse.signals.hashing.tmk import TmkAccumulator

        video = TmkAccumulator()
        video.add(np.random.default_rng(rng.randrange(2**32)).random((30, 256), np.float32))
        return REGISTRY.parse(name, video.finish().text)
    if kind.index_kind == "vpdq":
        frames = [
            {"pdq": rng.randbytes(32).hex(), "quality": 90, "timestamp": float(n)} for n in range(3)
        ]
        return REGISTRY.parse(name, frames)
    quality = 90 if getattr(kind, "min_quality", None) is not None else None
    return REGISTRY.parse(name, rng.randbytes(kind.nbits // 8).hex(), quality)


@pytest.mark.parametrize("name", REGISTRY.names)
def test_index_stored_and_wire_forms_agree(name):
    rng = random.Random(name)
    kind = REGISTRY.get(name)
    for _ in range(5):
        signal = _example(rng, name)
        indexed, stored = kind.index_value(signal), kind.stored_index_value(signal.text)
        if kind.index_kind == "tmk":
            indexed, stored = indexed.to_bytes(), stored.to_bytes()
        assert np.array_equal(np.asarray(indexed), np.asarray(stored))
        assert kind.wire_value(signal.text) == signal.to_wire()["value"]
        assert kind.query_forms(signal) == (signal,)
        kind.check_query(signal)  # within every default limit
    assert kind.value_bytes in (0, kind.nbits // 8)


def test_only_a_fixed_size_value_is_held_as_bytes():
    widths = {n: REGISTRY.get(n).value_bytes for n in REGISTRY}
    assert widths == {
        "ahash": 8,
        "dhash": 8,
        "md5": 16,
        "pdq": 32,
        "phash": 8,
        "sha256": 32,
        "sha512": 64,  # held as text in the state columns: wider than a row
        "tmk": 0,
        "vpdq": 0,
        "whash": 8,
    }


def test_pdq_lookups_may_search_the_distinct_dihedral_variants():
    kind = REGISTRY.get("pdq")
    signal = REGISTRY.parse("pdq", "5a" * 32, 80)
    forms = kind.query_forms(signal, dihedral=True)
    assert forms[0] == signal
    assert [f.value for f in forms] == list(dict.fromkeys(dihedral_variants(signal.value).values()))
    assert all(f.quality == 80 and f.signal_type == "pdq" for f in forms)
    symmetric = REGISTRY.parse("pdq", "00" * 32, 80)
    assert len(kind.query_forms(symmetric, dihedral=True)) < 8  # equal variants searched once
    for other in ("phash", "md5"):
        example = _example(random.Random(0), other)
        assert REGISTRY.get(other).query_forms(example, dihedral=True) == (example,)


def test_a_vpdq_lookup_is_bounded_by_its_own_frame_limit():
    kind = build_registry(vpdq_max_query_frames=3).get("vpdq")
    signal = _example(random.Random(1), "vpdq")
    kind.check_query(signal)
    tight = build_registry(vpdq_max_query_frames=2).get("vpdq")
    with pytest.raises(SignalError, match="3 frames; at most 2 per vPDQ query"):
        tight.check_query(signal)


def test_each_type_says_what_callers_would_otherwise_ask_its_name():
    traits = {
        n: (k.has_regions, k.takes_quality, k.closeness)
        for n in REGISTRY
        for k in [REGISTRY.get(n)]
    }
    distance = (False, False, "distance")
    assert traits == {
        "pdq": (True, True, "distance"),
        **dict.fromkeys(("phash", "dhash", "ahash", "whash"), distance),
        **dict.fromkeys(("md5", "sha256", "sha512"), distance),
        "vpdq": (False, False, "frames"),
        "tmk": (False, False, "scores"),
    }


def test_a_lookup_costs_one_code_eight_with_dihedral_variants_one_per_frame():
    rng = random.Random(9)
    costs = {
        n: (kind.codes_searched(s), kind.codes_searched(s, dihedral=True))
        for n in REGISTRY
        for kind, s in [(REGISTRY.get(n), _example(rng, n))]
    }
    assert costs.pop("pdq") == (1, 8)
    assert costs.pop("vpdq") == (3, 3)  # the example's three frames
    assert set(costs.values()) == {(1, 1)}


def test_a_value_in_brief_is_its_hex_or_a_placeholder():
    rng = random.Random(10)
    briefs = {n: REGISTRY.get(n).brief(_example(rng, n).to_wire()["value"]) for n in REGISTRY}
    assert briefs["vpdq"] == "<vpdq>"
    assert briefs["tmk"].startswith("<.tmk file, ") and briefs["tmk"].endswith(
        " base64 characters>"
    )
    assert all(
        len(b) == REGISTRY.get(n).nbits // 4 for n, b in briefs.items() if n not in ("vpdq", "tmk")
    )
