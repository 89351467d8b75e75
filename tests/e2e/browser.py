"""Headless Chromium under Selenium for the site's browser tests.

Debian's ``chromium`` and ``chromium-driver`` are installed with apt-get when missing
(as ``.ci/run`` does); where that is impossible the tests say why and skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

PACKAGES = ["chromium", "chromium-driver"]


def _have_browser() -> bool:
    return bool(shutil.which("chromium") and shutil.which("chromedriver"))


def ensure_chromium() -> None:
    """Install Chromium and its driver from Debian when missing, or skip the test."""
    if _have_browser():
        return
    if not shutil.which("apt-get") or os.geteuid() != 0:
        pytest.skip("the browser tests need `apt-get install chromium chromium-driver`")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends",
               "-o", "DPkg::Lock::Timeout=300", *PACKAGES]  # fmt: skip
    result = subprocess.run(install, capture_output=True, text=True, env=env, timeout=900)
    if result.returncode != 0:  # a fresh machine may have no package lists yet
        subprocess.run(["apt-get", "update"], capture_output=True, env=env, timeout=900)
        result = subprocess.run(install, capture_output=True, text=True, env=env, timeout=900)
    if result.returncode != 0 or not _have_browser():
        tail = (result.stderr or result.stdout).strip()[-400:]
        pytest.skip(f"could not install {' '.join(PACKAGES)}: {tail}")


def start_chromium(profile_dir: str):
    """A headless Chromium with its own profile (so its own localStorage)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,1000",
        f"--user-data-dir={profile_dir}",
        "--no-first-run",
        "--disable-extensions",
    ):
        options.add_argument(arg)
    service = Service(executable_path=shutil.which("chromedriver"))
    return webdriver.Chrome(options=options, service=service)
