"""Password-less sign-in: one-time links, read-only session cookies, sign-out."""

from __future__ import annotations

from urllib.parse import urlsplit

from clearinghouse.services.adapters.caller import Caller
from clearinghouse.services.use_cases import site_sessions
from tests.support import add_member, pdq_item, random_pdq


def _link(member) -> str:
    answer = member.request("POST", "/v1/site/login")
    assert answer.status_code == 201, answer.get_json()
    url = urlsplit(answer.get_json()["url"])
    assert url.path == "/site/signin"
    return f"{url.path}?{url.query}"


def _cookie(answer) -> str:
    header = answer.headers["Set-Cookie"]
    assert "HttpOnly" in header and "SameSite=Strict" in header and "Max-Age=3600" in header
    return header.split(";", 1)[0].split("=", 1)[1]


def test_signed_in_auditor_sees_values_until_signing_out(app, populated):
    browser = app.test_client()
    link = _link(populated["alice"])
    opened = browser.get(link)
    assert opened.status_code == 303
    _cookie(opened)
    index = populated["submission_index"]
    page = browser.get(f"/log/{index}").get_data(as_text=True)
    assert "Signed in as" in page
    assert all(v in page for v in populated["values"]) and "found on a forum" in page
    history = browser.get(f"/signals/{populated['signal_ids'][0]}")
    assert history.status_code == 200
    assert populated["values"][0] in history.get_data(as_text=True)
    assert browser.post("/site/signout").status_code == 303
    page = browser.get(f"/log/{index}").get_data(as_text=True)
    assert "Signed in as" not in page
    assert not any(v in page for v in populated["values"])
    assert browser.get(f"/signals/{populated['signal_ids'][0]}").status_code == 403


def test_a_link_opens_once_and_a_session_ends_for_good(app, populated):
    link = _link(populated["alice"])
    first, second = app.test_client(), app.test_client()
    cookie = _cookie(first.get(link))
    assert second.get(link).status_code == 401  # single use
    first.post("/site/signout")
    replay = app.test_client()
    replay.set_cookie("clearinghouse_session", cookie)
    assert "Signed in as" not in replay.get("/").get_data(as_text=True)


def test_links_and_sessions_expire(db, populated):
    caller = Caller("alice", "k", frozenset({"auditor"}))
    link = site_sessions.issue_link(db, caller, now=1_000)
    late = 1_000 + site_sessions.LINK_SECONDS
    try:
        site_sessions.open_link(db, link["token"], now=late)
    except Exception as exc:
        assert exc.status == 401
    else:
        raise AssertionError("an expired link opened a session")
    link = site_sessions.issue_link(db, caller, now=2_000)
    token = site_sessions.open_link(db, link["token"], now=2_001)
    assert site_sessions.viewer(db, token, now=2_002).member == "alice"
    gone = 2_001 + site_sessions.SESSION_SECONDS
    assert site_sessions.viewer(db, token, now=gone).member is None


def test_a_member_without_auditor_or_matcher_role_sees_no_values(app, db, client, populated):
    carol = add_member(db, client, "carol", roles="submitter")
    browser = app.test_client()
    browser.get(_link(carol))
    page = browser.get(f"/log/{populated['submission_index']}").get_data(as_text=True)
    assert "Signed in as" in page
    assert not any(v in page for v in populated["values"])


def test_a_session_never_authorises_a_statement(app, populated):
    browser = app.test_client()
    browser.get(_link(populated["alice"]))
    body = populated["alice"].envelope("submission", [pdq_item(random_pdq())])
    answer = browser.post(
        "/v1/submissions", data=body, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 401
    assert browser.get("/v1/log/entries?start=0&end=1").status_code == 401


def test_sign_in_needs_a_signed_request(client, populated):
    assert client.post("/v1/site/login").status_code == 401
