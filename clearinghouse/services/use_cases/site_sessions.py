"""Password-less sign-in to the transparency site (DESIGN §13).

A member's signed request gets a one-time link (valid LINK_SECONDS); opening it trades the
link for a browser session (valid SESSION_SECONDS). Both are random tokens of which only
the SHA-256 is stored, in the database, so every server process honours them and a
stolen database row opens nothing. A session only lets the site show more; statements
are authorised by request signatures alone and never look at it.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from typing import TYPE_CHECKING

from clearinghouse.errors import AuthenticationError
from clearinghouse.services.adapters.caller import Caller
from clearinghouse.services.read_models.site_pages import PUBLIC, Viewer
from clearinghouse.store import site_pages as rows

if TYPE_CHECKING:
    from clearinghouse.store.db import Database

__all__ = ["LINK_SECONDS", "SESSION_SECONDS", "issue_link", "open_link", "sign_out", "viewer"]

LINK_SECONDS = 300
SESSION_SECONDS = 3600


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_link(db: Database, caller: Caller, *, now: int | None = None) -> dict:
    """A one-time sign-in token for ``caller``, valid LINK_SECONDS."""
    now = int(time.time()) if now is None else now
    token = secrets.token_urlsafe(32)
    with db.write() as session:
        rows.create_site_token(
            session, _digest(token), "link", caller.member, now + LINK_SECONDS, now
        )
    return {"token": token, "expires_in": LINK_SECONDS}


def open_link(db: Database, token: str, *, now: int | None = None) -> str:
    """Trade a sign-in link for a session token; a used, expired or unknown link is refused."""
    now = int(time.time()) if now is None else now
    with db.write() as session:
        member = rows.take_site_token(session, _digest(token), "link", now)
        if member is None:
            raise AuthenticationError("this sign-in link is not valid: used, expired or unknown")
        session_token = secrets.token_urlsafe(32)
        rows.create_site_token(
            session, _digest(session_token), "session", member, now + SESSION_SECONDS, now
        )
    return session_token


def viewer(db: Database, session_token: str | None, *, now: int | None = None) -> Viewer:
    """Who holds this session cookie: a member of active status, or the public."""
    if not session_token or len(session_token) > 100:
        return PUBLIC
    now = int(time.time()) if now is None else now
    with db.read() as session:
        found = rows.find_site_token(session, _digest(session_token), "session", now)
    if found is None or found[2] != "active":
        return PUBLIC
    return Viewer(found[0], found[1])


def sign_out(db: Database, session_token: str | None) -> None:
    """End a session for good: the same cookie never works again."""
    if session_token and len(session_token) <= 100:
        with db.write() as session:
            rows.drop_site_token(session, _digest(session_token))
