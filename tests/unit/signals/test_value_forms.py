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
