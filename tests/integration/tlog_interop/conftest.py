"""The Go reference implementations of signed notes and RFC 6962 trees, built once.

golang.org/x/mod's sumdb/note and sumdb/tlog are the implementations the C2SP formats
were written down from. Debian packages both (with the Go toolchain), so the fixture
installs them from Debian's registry when they are missing, builds interop.go once per
source version into the user's cache directory, and skips, naming the reason, only when
they cannot be had (no registry, not root, no apt-get).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
GOPATH = Path("/usr/share/gocode")  # where Debian's golang-*-dev packages put sources
PACKAGES = ["golang-go", "golang-golang-x-mod-dev"]


def _have_toolchain() -> bool:
    return bool(shutil.which("go")) and (GOPATH / "src/golang.org/x/mod/sumdb/tlog").is_dir()


def _install() -> None:
    if not shutil.which("apt-get") or os.geteuid() != 0:
        pytest.skip(
            "Go interop needs `apt-get install golang-go golang-golang-x-mod-dev` "
            "(no apt-get here, or not root to run it)"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [
        "apt-get", "install", "-y", "--no-install-recommends",
        "-o", "DPkg::Lock::Timeout=300", *PACKAGES,
    ]  # fmt: skip
    result = subprocess.run(install, capture_output=True, text=True, env=env, timeout=900)
    if result.returncode != 0:  # a fresh machine may have no package lists yet
        subprocess.run(["apt-get", "update"], capture_output=True, env=env, timeout=900)
        result = subprocess.run(install, capture_output=True, text=True, env=env, timeout=900)
    if result.returncode != 0 or not _have_toolchain():
        tail = (result.stderr or result.stdout).strip()[-400:]
        pytest.skip(f"could not install {' '.join(PACKAGES)} from Debian's registry: {tail}")


def _cache_dir() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "clearinghouse" / "tlog-interop"


@pytest.fixture(scope="session")
def go_interop():
    """Run interop.go on a request; returns its JSON response."""
    if not _have_toolchain():
        _install()
    source = (HERE / "interop.go").read_bytes()
    go_version = subprocess.run(["go", "version"], capture_output=True, text=True).stdout
    digest = hashlib.sha256(source + go_version.encode()).hexdigest()[:16]
    binary = _cache_dir() / digest / "interop"
    if not binary.exists():
        build = binary.parent
        build.mkdir(parents=True, exist_ok=True)
        (build / "interop.go").write_bytes(source)
        env = {
            **os.environ,
            "GO111MODULE": "off",  # Debian's sources are a GOPATH; nothing is downloaded
            "GOPATH": str(GOPATH),
            "GOCACHE": str(_cache_dir() / "go-build"),
            "GOFLAGS": "",
        }
        subprocess.run(
            ["go", "build", "-o", str(binary), "interop.go"],
            cwd=build,
            env=env,
            check=True,
            capture_output=True,
            timeout=600,
        )

    def run(request: dict) -> dict:
        result = subprocess.run(
            [str(binary)], input=json.dumps(request), capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    return run
