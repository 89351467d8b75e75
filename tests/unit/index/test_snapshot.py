"""Snapshots: round trips, and every kind of damage is refused with SnapshotError."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest

from clearinghouse.errors import ClearinghouseError
from clearinghouse.index import ExactIndex, HammingIndex, SnapshotBusy, SnapshotError, VpdqIndex

from .twins import as_lists, random_codes


@pytest.fixture
def index() -> HammingIndex:
    rng = np.random.default_rng(11)
    ix = HammingIndex(256, chunk_bits=(16,) * 16, auto_compact=False)
    ix.add(np.arange(4_000), random_codes(rng, 4_000))
    ix.compact()
    ix.add([5_000, 5_001], random_codes(rng, 2))  # a delta and tombstones are saved too
    ix.remove([7, 8])
    return ix


def test_round_trip_keeps_answers_and_position(index: HammingIndex, tmp_path: Path) -> None:
    index.save(tmp_path / "pdq", 1234)
    loaded, position = HammingIndex.load(tmp_path / "pdq", nbits=256)
    assert position == 1234
    assert len(loaded) == len(index)
    queries = np.concatenate([index._state.main.codes[:50], index._state.delta_codes])
    for q in queries:
        assert as_lists(loaded.search(q, 31)) == as_lists(index.search(q, 31))
    assert as_lists(loaded.search(index._state.main.codes[7], 0)) == ([], [])


def test_saving_again_replaces_atomically(index: HammingIndex, tmp_path: Path) -> None:
    index.save(tmp_path / "pdq", 1)
    index.remove([1])
    index.save(tmp_path / "pdq", 2)
    loaded, position = HammingIndex.load(tmp_path / "pdq")
    assert position == 2 and len(loaded) == len(index)
    assert sorted(os.listdir(tmp_path)) == ["pdq", "pdq.lock"]  # no temporary leftovers


def _corrupt_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    path.write_bytes(bytes(data))


def _set_manifest(key: str, value: object):
    def damage(path: Path) -> None:
        manifest = json.loads((path / "manifest.json").read_text())
        manifest[key] = value
        (path / "manifest.json").write_text(json.dumps(manifest))

    return damage


DAMAGE = {
    "flipped-bit-in-postings": lambda p: _corrupt_byte(p / "main_postings.npy"),
    "flipped-bit-in-codes": lambda p: _corrupt_byte(p / "main_codes.npy"),
    "truncated-offsets": lambda p: (p / "main_offsets.npy").write_bytes(
        (p / "main_offsets.npy").read_bytes()[:-8]
    ),
    "missing-file": lambda p: (p / "dead.npy").unlink(),
    "missing-manifest": lambda p: (p / "manifest.json").unlink(),
    "garbled-manifest": lambda p: (p / "manifest.json").write_text("{not json"),
    "other-kind": _set_manifest("kind", "exact"),
    "other-version": _set_manifest("version", 99),
    "no-position": _set_manifest("position", None),
    "escaping-file-name": _set_manifest("files", {"../x.npy": {"sha256": "", "bytes": 0}}),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_damaged_snapshots_are_refused(index: HammingIndex, tmp_path: Path, damage: str) -> None:
    index.save(tmp_path / "pdq", 1)
    DAMAGE[damage](tmp_path / "pdq")
    with pytest.raises(SnapshotError):
        HammingIndex.load(tmp_path / "pdq")


def test_missing_snapshot_and_mismatched_width(index: HammingIndex, tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="no snapshot"):
        HammingIndex.load(tmp_path / "absent")
    index.save(tmp_path / "pdq", 1)
    with pytest.raises(SnapshotError, match="width"):
        HammingIndex.load(tmp_path / "pdq", nbits=64)
    assert issubclass(SnapshotError, ClearinghouseError)


def test_pickled_arrays_are_never_loaded(tmp_path: Path) -> None:
    index = HammingIndex(64)
    index.save(tmp_path / "s", 1)
    target = tmp_path / "s" / "dead.npy"
    np.save(target, np.array([{"x": 1}], dtype=object), allow_pickle=True)
    manifest = json.loads((tmp_path / "s" / "manifest.json").read_text())
    data = target.read_bytes()
    manifest["files"]["dead.npy"] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    (tmp_path / "s" / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(SnapshotError, match="layout"):
        HammingIndex.load(tmp_path / "s")


def test_a_second_writer_is_refused_while_the_lock_is_held(
    index: HammingIndex, tmp_path: Path
) -> None:
    from clearinghouse.index.snapshot import write_snapshot

    fd = os.open(tmp_path / "pdq.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with pytest.raises(SnapshotBusy):
            write_snapshot(tmp_path / "pdq", "hamming", {}, {}, 1, wait=False)
    finally:
        os.close(fd)
    assert not (tmp_path / "pdq").exists()


def test_exact_and_vpdq_round_trips(tmp_path: Path) -> None:
    rng = np.random.default_rng(12)
    exact = ExactIndex(32)
    exact.add([1, 2], [b"\x01" * 32, b"\x02" * 32])
    exact.save(tmp_path / "sha256", 9)
    loaded, position = ExactIndex.load(tmp_path / "sha256", nbytes=32)
    assert position == 9 and loaded.search(b"\x02" * 32).ids.tolist() == [2]
    with pytest.raises(SnapshotError):
        ExactIndex.load(tmp_path / "sha256", nbytes=16)
    with pytest.raises(SnapshotError, match="hamming"):
        HammingIndex.load(tmp_path / "sha256")

    videos = [random_codes(rng, n) for n in (4, 7)]
    vpdq = VpdqIndex()
    vpdq.add([3, 4], videos)
    vpdq.save(tmp_path / "vpdq", 10)
    loaded_v, position = VpdqIndex.load(tmp_path / "vpdq")
    assert position == 10
    assert loaded_v.search(videos[1]) == vpdq.search(videos[1])
    assert [m.video_id for m in loaded_v.search(videos[1])] == [4]
