"""Lookups while generations are swapped under them: a writer process publishes new
generations one after another and is killed with SIGKILL at random points of a write,
while a lookup thread keeps mapping whatever ``CURRENT`` names and searching it. Every
answer is the brute-force answer of exactly one whole generation (never of a
half-written one, never an error), and an index mapped before a swap keeps answering
as its own generation."""

import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np

from clearinghouse.index import HammingIndex
from clearinghouse.index.generations import Part, current_generation, open_generation
from clearinghouse.index.generations import write_generation as publish
from tests.unit.index.twins import brute_force, random_codes

N = 6000  # above the multi-index's table threshold: chunk tables are part of each file set
SEEDS = 3
DISTANCE = 31


def _codes(seed: int) -> np.ndarray:
    return random_codes(np.random.default_rng(100 + seed), N)


def _parts(seed: int) -> dict[str, Part]:
    index = HammingIndex(256, tuned_distance=DISTANCE)
    index.add(np.arange(1, N + 1), _codes(seed))
    arrays, meta = index.folded_snapshot_arrays()
    return {"index-pdq": Part("hamming", arrays, {**meta, "seed": seed})}


# A writer publishing generation after generation: position k holds the codes of seed k % 3.
WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from clearinghouse.index.generations import write_generation
    from tests.integration.generations.test_swaps_under_lookups import SEEDS, _parts

    root, position = Path(sys.argv[1]), int(sys.argv[2])
    while True:
        parts = _parts(position % SEEDS)
        write_generation(root, lambda: (parts, position))
        position += 1
    """
)


def _answers(index: HammingIndex, queries: np.ndarray) -> list:
    return [(m.ids.tolist(), m.distances.tolist()) for m in index.search_many(queries, DISTANCE)]


def test_lookups_during_killed_writes_answer_from_one_whole_generation(tmp_path):
    rng = random.Random(4)
    queries = np.concatenate([_codes(seed)[:8] for seed in range(SEEDS)])
    expected = []
    for seed in range(SEEDS):
        live = dict(zip(range(1, N + 1), _codes(seed), strict=True))
        expected.append([brute_force(live, q, DISTANCE) for q in queries])
    publish(tmp_path, lambda: (_parts(0), 0))
    seen: set[str] = set()
    faults: list[BaseException] = []
    stop = threading.Event()

    def lookups() -> None:
        held = None  # (index, seed) mapped before the latest swap
        try:
            while not stop.is_set():
                generation = open_generation(tmp_path)
                part = generation.parts["index-pdq"]
                index = HammingIndex.from_snapshot_arrays(part.arrays, part.meta)
                seed = part.meta["seed"]
                assert generation.position % SEEDS == seed
                assert _answers(index, queries) == expected[seed]
                if held is not None:
                    assert _answers(held[0], queries) == expected[held[1]]
                held = (index, seed)
                seen.add(generation.name)
        except BaseException as exc:  # reported by the main thread
            faults.append(exc)

    reader = threading.Thread(target=lookups)
    reader.start()
    position = 1
    try:
        for _ in range(4):
            before = current_generation(tmp_path)
            writer = subprocess.Popen(
                [sys.executable, "-c", WRITER, str(tmp_path), str(position)],
                cwd=Path(__file__).resolve().parents[3],
            )
            try:
                for _ in range(3000):  # until it has published at least once
                    if current_generation(tmp_path) != before or writer.poll() is not None:
                        break
                    time.sleep(0.01)
                time.sleep(rng.uniform(0, 0.3))  # then at a random point of a later write
                os.kill(writer.pid, signal.SIGKILL)
            finally:
                writer.wait()
            assert writer.returncode == -signal.SIGKILL
            position += 1000
    finally:
        stop.set()
        reader.join(timeout=60)
    assert not faults, faults[0]
    assert len(seen) >= 4  # the lookups did run across swaps
    # What is published after the kills is whole and answers as its own generation.
    generation = open_generation(tmp_path)
    part = generation.parts["index-pdq"]
    index = HammingIndex.from_snapshot_arrays(part.arrays, part.meta)
    assert _answers(index, queries) == expected[part.meta["seed"]]
