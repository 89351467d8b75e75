"""The checked-in vectors are exactly what the generator makes."""

from __future__ import annotations

import subprocess
import sys

from .vectors import VECTORS


def test_regenerating_gives_the_same_bytes(tmp_path):
    subprocess.run(
        [sys.executable, str(VECTORS / "generate.py"), "--out", str(tmp_path)],
        check=True,
        cwd=tmp_path,
    )
    made = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert made, "the generator wrote nothing"
    for relative in made:
        assert (VECTORS / relative).read_bytes() == (tmp_path / relative).read_bytes(), relative
    checked_in = {p.relative_to(VECTORS) for p in (VECTORS / "tampered").rglob("*.json")}
    assert checked_in <= set(made), "stale tampered vectors that the generator no longer makes"
