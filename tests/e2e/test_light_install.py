"""The light install (DESIGN §12): in a fresh virtualenv, ``pip install clearinghouse``
brings none of the server's dependencies, the member CLI runs and says which extra an
operator command needs, and with ``threatexchange`` added the exchange fetches from a
real server and matches — the installed package, not this checkout."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import clearinghouse

from .threatexchange_world import make_world

REPO = Path(clearinghouse.__file__).resolve().parents[1]
SERVER_ONLY = ("flask", "sqlalchemy", "alembic", "psycopg", "granian", "faiss", "av")


def _run(venv: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(venv / "bin" / args[0]), *args[1:]],
        capture_output=True,
        text=True,
        timeout=600,
        env=env or _clean_env(),
        cwd=venv,
    )
    return done


def _clean_env() -> dict:
    """This process's environment without what would point Python at the checkout."""
    env = dict(os.environ)
    for name in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"):
        env.pop(name, None)
    return env


def _absent(venv: Path, modules: tuple[str, ...]) -> list[str]:
    code = (
        "import importlib.util, sys; "
        "print(' '.join(m for m in sys.argv[1:] if importlib.util.find_spec(m)))"
    )
    done = _run(venv, "python", "-c", code, *modules)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def _source_digest() -> str:
    """What the light venv is built from: pyproject.toml and the package's files."""
    digest = hashlib.sha256((REPO / "pyproject.toml").read_bytes())
    for path in sorted((REPO / "clearinghouse").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


@pytest.fixture(scope="session")
def light_venv(tmp_path_factory) -> Path:
    """A virtualenv with ``pip install <this checkout>`` (no extras), checked for server
    dependencies, then ``threatexchange`` added. Built once per version of the sources:
    the SQLite and PostgreSQL passes of the suite share it."""
    venv = tmp_path_factory.getbasetemp().parent / f"clearinghouse-light-{_source_digest()}"
    if (venv / "ready").exists():
        return venv
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    done = _run(venv, "python", "-m", "pip", "install", "--quiet", str(REPO))
    assert done.returncode == 0, done.stdout + done.stderr
    present = _absent(venv, (*SERVER_ONLY, "PIL", "pdqhash"))
    assert present == [], f"the light install pulled in {present}"
    done = _run(venv, "python", "-m", "pip", "install", "--quiet", "threatexchange>=1.2,<1.3")
    assert done.returncode == 0, done.stdout + done.stderr
    (venv / "ready").touch()
    return venv


def test_light_install_has_no_server_dependencies_and_says_what_operators_need(
    light_venv, tmp_path
):
    # threatexchange brings faiss and Pillow of its own; never Flask, SQLAlchemy or PyAV.
    assert _absent(light_venv, ("flask", "sqlalchemy", "alembic", "psycopg", "av")) == []
    where = _run(light_venv, "python", "-c", "import clearinghouse; print(clearinghouse.__file__)")
    assert str(light_venv) in where.stdout and str(REPO) not in where.stdout
    helped = _run(light_venv, "clearinghouse", "--help")
    assert helped.returncode == 0 and "submit" in helped.stdout
    serve = _run(light_venv, "clearinghouse", "serve", "--port", "1")
    assert serve.returncode == 1
    (message,) = serve.stderr.strip().splitlines()
    assert message.startswith("error: this command needs the server install (")
    assert message.endswith(
        "pip install '/path/to/clearinghouse[server]' (the repository checkout)"
    )
    keygen = _run(light_venv, "clearinghouse", "keygen", "member", "--dir", str(tmp_path))
    assert keygen.returncode == 0, keygen.stderr
    assert (tmp_path / "member.key").stat().st_mode & 0o777 == 0o600


def test_light_install_fetches_and_matches_with_the_threatexchange_cli(
    light_venv, db, start_server, tmp_path
):
    world = make_world(
        db, start_server, tmp_path, light_venv / "bin" / "threatexchange", _clean_env()
    )
    try:
        world.tx("fetch")
        (line,) = world.tx.matches(world.edited)
        assert line.startswith("pdq ") and "(chx)" in line
    finally:
        world.alpha.close()
