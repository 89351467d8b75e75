"""The region ladder is one computation: ``clearinghouse hash`` prints, for a real
photograph, exactly the regions the SDK's ``hash_file`` gives (what ``submit`` sends)
and ``region_hashes`` computes from the decoded pixels, run after run."""

from __future__ import annotations

import numpy as np
from click.testing import CliRunner
from PIL import Image

from clearinghouse.cli.main import build_cli
from clearinghouse.signals.hashing import HashOptions, hash_file
from clearinghouse.signals.hashing.regions import region_hashes

from .conftest import json_lines


def _photos(tmp_path):
    from skimage import data

    out = []
    for name in ("chelsea", "astronaut", "coffee"):
        rgb = np.ascontiguousarray(getattr(data, name)()[:, :, :3])
        path = tmp_path / f"{name}.png"
        Image.fromarray(rgb).save(path)
        out.append((path, rgb))
    return out


def test_hash_prints_the_ladder_the_sdk_computes(tmp_path):
    photos = _photos(tmp_path)
    runs = [
        CliRunner().invoke(build_cli(), ["hash", *(str(p) for p, _ in photos), "--types", "pdq"])
        for _ in range(2)
    ]
    assert all(r.exit_code == 0 for r in runs), runs[0].output
    first, second = (json_lines(r.stdout) for r in runs)
    assert first == second  # deterministic
    by_name = {line["path"].rsplit("/", 1)[-1]: line for line in first}
    for path, rgb in photos:
        [sdk] = hash_file(path, HashOptions(types=frozenset({"pdq"})))
        printed = by_name[path.name]
        assert printed["regions"] == sdk["regions"] == region_hashes(rgb)
        assert len(printed["regions"]) >= 6
