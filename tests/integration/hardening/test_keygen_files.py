"""``keygen`` writes new files only: never through a symlink, modes fixed whatever the umask."""

import os
import stat

import pytest
from click.testing import CliRunner

from clearinghouse.cli.main import build_cli


def _keygen(tmp_path, *args):
    return CliRunner().invoke(build_cli(), ["keygen", "acme", "--dir", str(tmp_path), *args])


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o077])
def test_modes_are_0600_and_0644_whatever_the_umask(tmp_path, umask):
    old = os.umask(umask)
    try:
        r = _keygen(tmp_path)
    finally:
        os.umask(old)
    assert r.exit_code == 0, r.output
    assert stat.S_IMODE((tmp_path / "acme.key").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "acme.pub").stat().st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["acme.key", "acme.pub"]


@pytest.mark.parametrize("name", ["acme.key", "acme.pub"])
@pytest.mark.parametrize("dangling", [True, False])
def test_a_symlink_in_the_way_is_refused_and_nothing_is_written(tmp_path, name, dangling):
    target = tmp_path / "elsewhere"
    if not dangling:
        target.write_bytes(b"precious")
    (tmp_path / name).symlink_to(target)
    before = sorted(p.name for p in tmp_path.iterdir())
    r = _keygen(tmp_path)
    assert r.exit_code == 1
    assert "symbolic link" in r.stderr
    assert "Traceback" not in r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    if dangling:
        assert not target.exists()
    else:
        assert target.read_bytes() == b"precious"


def test_an_existing_key_is_never_overwritten(tmp_path):
    assert _keygen(tmp_path).exit_code == 0
    first = (tmp_path / "acme.key").read_bytes()
    r = _keygen(tmp_path)
    assert r.exit_code == 1
    assert "already exists" in r.stderr
    assert (tmp_path / "acme.key").read_bytes() == first
