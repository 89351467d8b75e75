"""Generation files: published whole or not at all, checked before use, old ones kept
serving while a writer dies, and never written over by a second writer."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from clearinghouse.index.generations import (
    Part,
    current_generation,
    open_generation,
    write_generation,
)
from clearinghouse.index.snapshot import SnapshotError


def _parts(seed: int) -> dict[str, Part]:
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 256, (1000, 32), dtype=np.uint8)
    return {"index-pdq": Part("hamming", {"codes": codes, "none": codes[:0]}, {"seed": seed})}


def _publish(root: Path, seed: int, position: int = 3) -> str:
    return write_generation(root, lambda: (_parts(seed), position))


def test_a_published_generation_maps_back_exactly(tmp_path):
    name = _publish(tmp_path, 1)
    generation = open_generation(tmp_path)
    assert (generation.name, generation.position) == (name, 3)
    part = generation.parts["index-pdq"]
    assert part.kind == "hamming" and part.meta == {"seed": 1}
    assert np.array_equal(part.arrays["codes"], _parts(1)["index-pdq"].arrays["codes"])
    assert part.arrays["none"].shape == (0, 32)
    assert not part.arrays["codes"].flags.writeable  # read-only unless asked otherwise


@pytest.mark.parametrize(
    "damage",
    ["flip a data byte", "truncate", "append", "flip a header byte", "drop the file"],
)
def test_a_damaged_file_is_refused_not_served(tmp_path, damage):
    name = _publish(tmp_path, 2)
    path = tmp_path / name / "index-pdq.codes.npy"
    data = bytearray(path.read_bytes())
    if damage == "flip a data byte":
        data[-100] ^= 0x01
    elif damage == "truncate":
        data = data[:-1]
    elif damage == "append":
        data += b"\0"
    elif damage == "flip a header byte":
        data[20] ^= 0x20
    path.write_bytes(bytes(data))
    if damage == "drop the file":
        path.unlink()
    with pytest.raises(SnapshotError):
        open_generation(tmp_path)


@pytest.mark.parametrize("content", ["", "gen-1-../../etc\n", "not a name\n"])
def test_a_current_file_naming_no_generation_is_refused(tmp_path, content):
    _publish(tmp_path, 1)
    (tmp_path / "CURRENT").write_text(content)
    with pytest.raises(SnapshotError):
        open_generation(tmp_path)


def test_no_generation_yet(tmp_path):
    assert current_generation(tmp_path) is None
    with pytest.raises(SnapshotError):
        open_generation(tmp_path)


def test_a_writer_killed_mid_write_leaves_the_old_generation_serving(tmp_path):
    old = _publish(tmp_path, 1)
    mapped = open_generation(tmp_path)
    ready = tmp_path / "half-written"
    # A writer that stops for good after writing the first file of a new generation.
    child = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        import numpy as np
        from clearinghouse.index import generations
        from clearinghouse.index.generations import Part, write_generation

        real = generations._write_array
        def slow(path, array):
            out = real(path, array)
            Path({str(ready)!r}).touch()
            time.sleep(600)
            return out
        generations._write_array = slow
        codes = np.zeros((10_000, 32), np.uint8)
        parts = {{"index-pdq": Part("hamming", {{"a": codes, "b": codes}}, {{}})}}
        write_generation(Path({str(tmp_path)!r}), lambda: (parts, 9))
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", child])
    try:
        for _ in range(1000):
            if ready.exists() or proc.poll() is not None:
                break
            time.sleep(0.02)
        assert ready.exists(), "the writer did not start"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert list(tmp_path.glob(".tmp-*"))  # its half-written directory is left behind
    generation = open_generation(tmp_path)
    assert (generation.name, generation.position) == (old, 3)
    assert np.array_equal(
        mapped.parts["index-pdq"].arrays["codes"], _parts(1)["index-pdq"].arrays["codes"]
    )

    new = _publish(tmp_path, 2, position=5)  # the next writer sweeps it away
    assert not list(tmp_path.glob(".tmp-*"))
    assert open_generation(tmp_path).name == new


def test_old_generations_are_swept_while_mappings_of_them_keep_working(tmp_path):
    first = _publish(tmp_path, 1)
    mapped = open_generation(tmp_path)
    names = [_publish(tmp_path, seed) for seed in (2, 3, 4)]
    published = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("gen-"))
    assert published == sorted(names[-2:])  # the current one and the one before
    assert first not in published
    # The removed files stay readable through the mapping that holds them.
    codes = mapped.parts["index-pdq"].arrays["codes"]
    assert np.array_equal(codes, _parts(1)["index-pdq"].arrays["codes"])


def test_a_writer_that_saw_an_older_generation_does_not_write_over_a_newer_one(tmp_path):
    first = _publish(tmp_path, 1)
    second = _publish(tmp_path, 2)
    calls = []

    def build():
        calls.append(1)
        return _parts(3), 9

    assert write_generation(tmp_path, build, replacing=first) is None
    assert not calls  # nothing folded or written
    assert current_generation(tmp_path) == second
    assert write_generation(tmp_path, build, replacing=second) is not None


def test_bad_names_and_positions_are_refused_before_anything_is_published(tmp_path):
    name = _publish(tmp_path, 1)
    bad = {"../x": _parts(1)["index-pdq"]}
    with pytest.raises(ValueError):
        write_generation(tmp_path, lambda: (bad, 1))
    with pytest.raises(ValueError):
        write_generation(tmp_path, lambda: (_parts(1), True))
    assert current_generation(tmp_path) == name
