"""The built wheel is a working install: its migrations are inside the package, so
`clearinghouse db upgrade` run from the installed files creates a database."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _sources(into: Path) -> Path:
    """The tracked files of the project, copied (building writes next to the sources)."""
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, files):
        source = ROOT / name.decode()
        if source.is_file():
            target = into / name.decode()
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return into


def test_a_wheel_built_with_pip_installs_and_upgrades_a_database(tmp_path):
    src = _sources(tmp_path / "src")
    dist = tmp_path / "dist"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(src)],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("clearinghouse-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.startswith("clearinghouse/store/migrations/versions/0001_") for n in names)
    assert "clearinghouse/store/migrations/env.py" in names

    site = tmp_path / "site"
    subprocess.run(
        [*pip, "install", "--no-deps", "--no-index", "-q", "--target", str(site), str(wheel)],
        check=True,
        capture_output=True,
    )
    data = tmp_path / "var"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CLEARINGHOUSE_")},
        "PYTHONPATH": str(site),
        "CLEARINGHOUSE_DATA_DIR": str(data),
    }
    where = subprocess.run(
        [sys.executable, "-c", "import clearinghouse; print(clearinghouse.__file__)"],
        env=env,
        cwd=tmp_path,  # not the sources: "-c" puts the working directory on sys.path
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.startswith(str(site)), where  # the installed files, not the sources
    done = subprocess.run(
        [sys.executable, "-c", "from clearinghouse.cli.main import main; main()", "db", "upgrade"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(data / "clearinghouse.db") as db:
        (revision,) = db.execute("SELECT version_num FROM alembic_version").fetchone()
    assert revision
