"""The IndexSet against its slow twin (a scan of every value): one index per registry
type, fed from stored texts, searched in each type's own index form."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from clearinghouse.index import (
    INDEX_KINDS,
    ExactIndex,
    HammingIndex,
    IndexOptions,
    IndexSet,
    SnapshotError,
    VpdqIndex,
)
from clearinghouse.index.generations import Generation, Part
from clearinghouse.index.tmk import TmkIndex
from clearinghouse.signals.registry import default_registry
from clearinghouse.signals.types import Signal
from tests.unit.matching.fakes import ScanningIndexSet

REGISTRY = default_registry()


def test_every_registry_type_gets_an_index_of_its_kind():
    index_set = IndexSet.for_registry(REGISTRY)
    assert index_set.names == REGISTRY.names
    made = {name: type(index_set[name]) for name in index_set}
    kinds = {"hamming": HammingIndex, "exact": ExactIndex, "vpdq": VpdqIndex, "tmk": TmkIndex}
    assert made == {n: kinds[REGISTRY.get(n).index_kind] for n in REGISTRY}
    assert set(INDEX_KINDS) == set(kinds)
    assert all(index_set.kind(n) is REGISTRY.get(n) for n in REGISTRY)
    assert index_set.sizes() == dict.fromkeys(REGISTRY.names, 0)


def _signal(rng: random.Random, signal_type: str, near: Signal | None = None) -> Signal:
    kind = REGISTRY.get(signal_type)
    if near is None:
        return kind.parse(
            rng.randbytes(kind.nbits // 8).hex(), 90 if signal_type == "pdq" else None
        )
    raw = bytearray(near.to_bytes())
    for _ in range(rng.randrange(4)):
        bit = rng.randrange(kind.nbits)
        raw[bit // 8] ^= 1 << (bit % 8)
    return Signal(signal_type, raw.hex(), near.quality)


@pytest.mark.parametrize("seed", range(3))
def test_the_set_answers_as_a_scan_after_adds_and_removals(seed):
    rng = random.Random(seed)
    index_set, twin = IndexSet.for_registry(REGISTRY), ScanningIndexSet(REGISTRY)
    types = ["pdq", "phash", "md5"]
    held: dict[int, Signal] = {}
    for _ in range(5):
        ids, names, texts, statuses = [], [], [], []
        for sid in sorted(set(rng.sample(range(1, 120), 40))):
            if sid in held:
                signal = held[sid]
            else:
                base = rng.choice(list(held.values())) if held and rng.random() < 0.5 else None
                name = base.signal_type if base else rng.choice(types)
                signal = held[sid] = _signal(rng, name, base)
            status = rng.choice(["active", "active", "retracted"])
            ids.append(sid), names.append(signal.signal_type)
            texts.append(signal.text), statuses.append(status)
        ids.append(999), names.append("nosuch"), texts.append("00"), statuses.append("active")
        index_set.apply(ids, names, texts, statuses)
        for sid, status in zip(ids, statuses, strict=True):
            if sid == 999:
                continue
            twin.signals.setdefault(held[sid].signal_type, {}).pop(sid, None)
            if status == "active":
                twin.add(sid, held[sid])
        for _ in range(6):
            query = rng.choice(list(held.values()))
            distance = 0 if query.signal_type == "md5" else rng.choice([0, 3, 8])
            limit = rng.choice([1, 2, 50])
            name = query.signal_type
            got = index_set.search_many(name, [query], distance, limit=limit)
            want = twin.search_many(name, [query], distance, limit=limit)
            assert [(g.pairs(), g.total) for g in got] == [(w.pairs(), w.total) for w in want]
    assert sum(index_set.sizes().values()) == sum(len(v) for v in twin.signals.values())


def test_vpdq_values_are_fed_from_their_stored_text_and_found_by_their_frames():
    frames = [
        {"pdq": "a" * 64, "quality": 90, "timestamp": 0.0},
        {"pdq": "5" * 64, "quality": 90, "timestamp": 1.0},
    ]
    video = REGISTRY.parse("vpdq", frames)
    index_set = IndexSet.for_registry(REGISTRY)
    index_set.apply([7], ["vpdq"], [video.text], ["active"])
    assert json.loads(video.text) == REGISTRY.get("vpdq").wire_value(video.text)
    (found,) = index_set.search_many("vpdq", [video], 31, limit=None)
    assert found.pairs() == [(7, 0)]
    index_set.apply([7], ["vpdq"], [video.text], ["retracted"])
    assert index_set.sizes()["vpdq"] == 0


def test_a_tmk_lookup_takes_its_thresholds_and_answers_both_scores():
    from clearinghouse.signals.hashing.tmk import TmkAccumulator

    rng = np.random.default_rng(3)
    video = TmkAccumulator()
    video.add(rng.random((40, 256), np.float32))
    signal = REGISTRY.parse("tmk", video.finish().text)
    index_set = IndexSet.for_registry(REGISTRY)
    index_set.apply([5], ["tmk"], [signal.text], ["active"])
    (found,) = index_set.search_many("tmk", [signal], 0, limit=5, thresholds=(0.9, 0.9))
    assert found.ids.tolist() == [5]
    assert found.level1.tolist() == pytest.approx([1.0], abs=1e-4)
    assert found.level2.tolist() == pytest.approx([1.0], abs=1e-4)


def _filled(rng: random.Random) -> tuple[IndexSet, dict[int, Signal]]:
    index_set = IndexSet.for_registry(REGISTRY, IndexOptions(frame_candidates=7))
    held = {sid: _signal(rng, rng.choice(["pdq", "phash", "md5"])) for sid in range(1, 60)}
    ids = sorted(held)
    index_set.apply(
        ids, [held[i].signal_type for i in ids], [held[i].text for i in ids], ["active"] * 59
    )
    gone = ids[::5]  # tombstones and a delta, folded into the parts
    index_set.apply(
        gone, [held[i].signal_type for i in gone], ["00"] * len(gone), ["retracted"] * len(gone)
    )
    for sid in gone:
        del held[sid]
    return index_set, held


def test_a_set_over_its_own_generation_parts_answers_as_the_set_does():
    index_set, held = _filled(random.Random(5))
    parts = index_set.generation_parts()
    assert {p.kind for p in parts.values()} == {"hamming", "exact", "vpdq", "tmk"}
    mapped = index_set.from_generation(Generation("gen-1", 3, parts))
    assert mapped.names == index_set.names and mapped.sizes() == index_set.sizes()
    for signal in held.values():
        distance = 0 if signal.signal_type == "md5" else 8
        args = (signal.signal_type, [signal], distance)
        assert [m.pairs() for m in mapped.search_many(*args)] == [
            m.pairs() for m in index_set.search_many(*args)
        ]
    # Mapped parts are never rebuilt in a worker; the options reach every index made.
    assert mapped["pdq"].auto_compact is False and index_set["pdq"].auto_compact is True
    assert mapped["vpdq"].frame_candidates == index_set["vpdq"].frame_candidates == 7


@pytest.mark.parametrize("fault", ["missing", "another kind", "unusable"])
def test_a_generation_that_does_not_fit_the_set_is_refused(fault):
    index_set, _ = _filled(random.Random(6))
    parts = index_set.generation_parts()
    if fault == "missing":
        del parts["index-md5"]
    elif fault == "another kind":
        parts["index-md5"] = Part("hamming", parts["index-md5"].arrays, parts["index-md5"].meta)
    else:
        parts["index-pdq"] = Part("hamming", {}, parts["index-pdq"].meta)
    with pytest.raises(SnapshotError):
        index_set.from_generation(Generation("gen-1", 3, parts))
