"""The demo: clean text showing the command behind each step, and sample media that
behaves as the walkthrough says (edited copies match, the unrelated upload does not)."""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

from clearinghouse.cli.main import build_cli
from clearinghouse.signals import hamming_distance
from clearinghouse.signals.hashing.files import HashOptions, hash_file


def test_sample_media_fits_the_walkthrough(tmp_path):
    result = CliRunner().invoke(build_cli(), ["demo", "--media", str(tmp_path)])
    assert result.exit_code == 0, result.output
    options = HashOptions(types=frozenset({"pdq"}))
    pdq = {p.name: hash_file(p, options)[0] for p in sorted(tmp_path.rglob("*.jpg"))}
    originals = [n for n in pdq if n.startswith("propaganda-")]
    copies = [n for n in pdq if n.startswith("reupload-")]
    assert len(originals) == len(copies) == 3
    for n in (1, 2, 3):
        [copy] = [c for c in copies if c.startswith(f"reupload-{n}-")]
        near = hamming_distance(pdq[f"propaganda-{n}.jpg"]["value"], pdq[copy]["value"])
        assert near <= 31, (copy, near)
    for original in originals:
        far = hamming_distance(pdq[original]["value"], pdq["holiday-photo.jpg"]["value"])
        assert far > 31 * 2
    assert pdq["dark-frame.jpg"]["quality"] < 50
    assert all(pdq[n]["quality"] >= 50 for n in [*originals, *copies])


def test_the_tour_is_clean_text_with_its_commands(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "clearinghouse.cli", "demo"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "\x1b" not in out and "\x1b" not in done.stderr  # no ANSI escapes
    assert "HTTP/1.1" not in out + done.stderr  # no request logs
    assert "{'" not in out and "True" not in out and "Traceback" not in out + done.stderr
    commands = [line for line in out.splitlines() if line.startswith("$ ")]
    for step in ("db upgrade", "keygen", "members add", "hash", "submit", "match",
                 "feedback", "retract --signal-id", "signals get", "audit verify"):  # fmt: skip
        assert any(step in command for command in commands), step
    assert "3 corroborated" in out and "skipped 1 PDQ hash(es)" in out
    assert "dark-frame.jpg: PDQ quality 0 is below the minimum 50" in out  # `hash` warns
    assert "holiday-photo.jpg pdq" in out and ": no_match (" in out
    assert "ok: " in out  # the audit
    assert list(tmp_path.iterdir()) == []  # all in a throwaway directory
    # ... the one the text names, which the demo really used and removed at the end.
    [named] = re.findall(r"SQLite in (\S+/clearinghouse-demo-[^/\s]+)/data", out)
    assert Path(named).parent == Path(tempfile.gettempdir()) and not Path(named).exists()
