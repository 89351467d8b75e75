"""Password-less sign-in to the transparency site (DESIGN §13): a signed request gets a
one-time link; opening it sets a read-only session cookie; signing out ends it."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, request

from clearinghouse.api.auth import caller, signed
from clearinghouse.api.root import current_root
from clearinghouse.api.site import SESSION_COOKIE, secure_headers
from clearinghouse.errors import InvalidInput
from clearinghouse.services.use_cases import site_sessions

__all__ = ["pages", "v1"]

v1 = Blueprint("site_login", __name__)
pages = Blueprint("site_signin", __name__)


@v1.post("/site/login")
@signed(None)
def login():
    """A one-time sign-in URL for the calling member (valid a few minutes, used once)."""
    who = caller()
    link = site_sessions.issue_link(current_root().db, who)
    url = f"{request.host_url}site/signin?token={link['token']}"
    return jsonify(url=url, expires_in=link["expires_in"], member=who.member), 201


@pages.get("/site/signin")
def signin():
    token = request.args.get("token", "")
    if not token or len(token) > 100:
        raise InvalidInput("token: the sign-in link is incomplete")
    session_token = site_sessions.open_link(current_root().db, token)
    response = redirect("/", code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session_token,
        max_age=site_sessions.SESSION_SECONDS,
        httponly=True,
        samesite="Strict",
        secure=request.is_secure,
        path="/",
    )
    return secure_headers(response)


@pages.post("/site/signout")
def signout():
    site_sessions.sign_out(current_root().db, request.cookies.get(SESSION_COOKIE))
    response = redirect("/", code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="Strict")
    return secure_headers(response)
