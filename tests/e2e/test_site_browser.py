"""The transparency site in a real browser (headless Chromium) against a real
``clearinghouse serve``: pages render, every check in the page reaches "ok", tampering
with the stored log behind the server's back shows "fail" in plain words, and signing in
shows hash values that signing out hides again.

Screenshots go to the test's directory, and also to SITE_SCREENSHOT_DIR when set
(``docs/images`` holds the ones shown in docs/auditors.md).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from clearinghouse.client.statements import sign_incident
from clearinghouse.store.log import log_size
from clearinghouse.tlog.nodes import frontier_keys
from clearinghouse.wire import ENDPOINTS
from tests.e2e.browser import ensure_chromium, start_chromium
from tests.support import add_member, pdq_item, random_pdq

WAIT = 30  # seconds a check may take before the test gives up on it
INCIDENT = "harbour-attack"


@pytest.fixture
def populated_log(db, client, tmp_path):
    alice = add_member(db, client, "alice")
    bob = add_member(db, client, "bob", roles="submitter,matcher")
    values = [random_pdq() for _ in range(4)]
    labels = ("behaviour:glorification-of-terrorist-acts",)
    first = alice.state("submission", [pdq_item(v, labels, note="from a forum") for v in values])
    assert first.status_code == 201
    assert bob.state("submission", [pdq_item(values[0], labels)]).status_code == 201
    feedback = {"signal_type": "pdq", "value": values[1], "verdict": "agree", "reason": "seen"}
    assert bob.state("feedback", [feedback]).status_code == 201
    retraction = {"signal_type": "pdq", "value": values[3], "reason": "mistaken"}
    assert alice.state("retraction", [retraction]).status_code == 201
    for _ in range(6):  # a log long enough for proofs with several levels
        assert alice.state("submission", [pdq_item(random_pdq(), labels)]).status_code == 201
    gifct = add_member(db, client, "gifct", "coordinator")
    declared = sign_incident("gifct", "declare", INCIDENT, gifct.key, title="Harbour attack",
                             summary="A livestream, cut and re-encoded")  # fmt: skip
    assert gifct.request("POST", ENDPOINTS["incident"], body=declared.to_json()).status_code == 201
    # One corroboration and one new hash, in two statements: four entries in all, so the
    # log's size stays even (the tampering below needs entry size - 1 to be a right leaf).
    for value in (values[1], random_pdq()):
        tagged = pdq_item(value, (f"incident:{INCIDENT}",))
        assert bob.state("submission", [tagged]).status_code == 201
    with db.read() as session:
        size = log_size(session)
    key_file = tmp_path / "alice.key"
    key_file.write_bytes(alice.key.to_pem())
    key_file.chmod(0o600)
    answer = first.get_json()
    return {
        "values": values,
        "index": answer["log_index"],
        "size": size,
        "signal_id": answer["items"][0]["signal_id"],
        "alice_key": key_file,
    }


@pytest.fixture
def browser(tmp_path):
    ensure_chromium()
    driver = start_chromium(str(tmp_path / "profile"))
    yield driver
    driver.quit()


def _settled(driver) -> dict[str, int]:
    """Wait until no element is pending; count elements by their data-verify state."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    def done(d):
        states = d.execute_script(
            "return Array.from(document.querySelectorAll('[data-verify]'), e => e.dataset.verify)"
        )
        return None if "pending" in states else (states,)

    try:
        (states,) = WebDriverWait(driver, WAIT).until(done)
    except TimeoutException:
        where = driver.execute_script("return document.body.outerHTML")[:3000]
        raise AssertionError(f"checks still pending: {driver.get_log('browser')} {where}") from None
    return {s: states.count(s) for s in set(states)}


def _banner(driver) -> str:
    return driver.execute_script("return document.getElementById('verify-banner').textContent")


def _shoot(driver, tmp_path: Path, name: str) -> None:
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, min(max(height, 700), 2400))
    path = tmp_path / f"site-{name}.png"
    driver.save_screenshot(str(path))
    target = os.environ.get("SITE_SCREENSHOT_DIR")
    if target:
        shutil.copy(path, Path(target) / path.name)
    driver.set_window_size(1280, 1000)


def test_site_in_a_browser(start_server, browser, populated_log, settings, tmp_path):
    url = start_server()
    log = populated_log
    pages = {"home": "/", "log": "/log", "entry": f"/log/{log['index']}",
             "members": "/members", "report": "/report", "incidents": "/incidents",
             "incident": f"/incidents/{INCIDENT}"}  # fmt: skip
    for name, path in pages.items():
        browser.get(url + path)
        states = _settled(browser)
        assert set(states) <= {"ok"}, (path, states, _banner(browser))
        if name in ("home", "log", "entry"):
            assert states["ok"] >= 3, (path, states)  # checkpoint, consistency, entries
            assert "Verified in this browser" in _banner(browser)
        if name == "home":  # a fresh profile: nothing to compare with, and it says so
            assert "First visit from this browser" in _banner(browser)
            assert "consistency with the checkpoint" not in _banner(browser)
            status = browser.find_element("css selector", "#consistency .verify-status").text
            assert status == "remembered (first visit)"
        elif name in ("log", "entry"):  # from the second page on, consistency is checked
            assert "consistency with the checkpoint this browser saw" in _banner(browser)
        page = browser.page_source
        assert not any(v in page for v in log["values"]), path
        if name == "incident":  # the chart is drawn, one colour per type, with its legend
            bars = browser.find_elements("css selector", "figure.chart rect[fill]")
            assert bars and all(b.size["width"] > 0 for b in bars[:3]), page[:2000]
            assert "Contributing members" in page and "bob" in page
            swatch = browser.find_element("css selector", "figcaption svg.swatch")
            assert 0 < swatch.size["width"] < 30  # a key in the legend, not a second chart
        _shoot(browser, tmp_path, name)

    # Signing in shows hash values and notes; signing out hides them again.
    login = [sys.executable, "-m", "clearinghouse.cli", "site", "login", "--server", url,
             "--key", str(log["alice_key"]), "--member"]  # fmt: skip
    for wrong in ("mallory", "bob"):  # not a member; a member this key does not belong to
        refused = subprocess.run([*login, wrong], capture_output=True, text=True, check=False)
        assert refused.returncode == 1, refused.stdout
        assert refused.stderr.startswith("error: ") and refused.stderr.count("\n") == 1
    signed_in = subprocess.run([*login, "alice", "--json"], capture_output=True, text=True,
                               check=True)  # fmt: skip
    link = json.loads(signed_in.stdout)["url"]
    browser.get(link)
    assert "Signed in as" in browser.page_source
    browser.get(f"{url}/log/{log['index']}")
    _settled(browser)
    assert all(v in browser.page_source for v in log["values"])
    assert "from a forum" in browser.page_source
    _shoot(browser, tmp_path, "entry-signed-in")
    browser.get(f"{url}/signals/{log['signal_id']}")
    assert log["values"][0] in browser.page_source
    _shoot(browser, tmp_path, "signal")
    browser.find_element("css selector", "form.signout button").click()
    browser.get(f"{url}/log/{log['index']}")
    _settled(browser)
    assert "Signed in as" not in browser.page_source
    assert not any(v in browser.page_source for v in log["values"])

    engine = create_engine(settings.effective_database_url)
    try:
        # A leaf node altered behind the server's back: the proofs that use it fail.
        target = log["size"] - 2  # its sibling (size - 1) is on the first page of /log
        with engine.begin() as conn:
            kept = conn.execute(
                text("SELECT hash FROM log_nodes WHERE level = 0 AND idx = :i"), {"i": target}
            ).scalar_one()
            conn.execute(
                text("UPDATE log_nodes SET hash = :h WHERE level = 0 AND idx = :i"),
                {"h": bytes(32), "i": target},
            )
        browser.get(url + "/log")
        states = _settled(browser)
        assert states.get("fail", 0) >= 1, states
        assert "Verification failed" in _banner(browser)
        assert f"Entry {log['size'] - 1} is not included" in _banner(browser)
        _shoot(browser, tmp_path, "tampered")
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE log_nodes SET hash = :h WHERE level = 0 AND idx = :i"),
                {"h": kept, "i": target},
            )
        browser.get(url + "/")
        assert set(_settled(browser)) == {"ok"}

        # A rewritten tree: the server signs a checkpoint over a different root for the
        # same size; this browser remembers the one it verified and refuses the new one.
        level, idx = frontier_keys(log["size"])[0]
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE log_nodes SET hash = :h WHERE level = :l AND idx = :i"),
                {"h": b"\x01" * 32, "l": level, "i": idx},
            )
        browser.get(url + "/")
        states = _settled(browser)
        consistency = browser.find_element("id", "consistency").get_attribute("data-verify")
        assert consistency == "fail", states
        assert "not consistent with the one this browser verified before" in _banner(browser)
    finally:
        engine.dispose()
