"""A wrong server URL in one line: what was tried, the likely cause, exit status 2.

A member's first command usually fails on the URL: nothing listening, ``https`` to a
plain HTTP port or the reverse, a path prefix too many, a certificate this machine does
not trust. The SDK's transport error carries the library's long chain; this names the
URL and the cause a person can act on.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from clearinghouse.client import TransportError
from clearinghouse.errors import ClearinghouseError

__all__ = ["WrongServer", "explain_unreachable", "not_a_clearinghouse"]


class WrongServer(ClearinghouseError):
    """The server URL does not lead to a clearinghouse; the command exits with 2."""

    exit_code = 2


def _chain(exc: BaseException) -> str:
    """Every message of the exception's cause chain, lower-cased, for matching."""
    seen, texts = set(), []
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        texts.append(f"{type(exc).__name__}: {exc}")
        inner = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None
        exc = exc.__cause__ or exc.__context__ or inner
    return " | ".join(texts).lower()


def _other_scheme(server: str) -> str:
    parts = urlsplit(server)
    other = "http" if parts.scheme == "https" else "https"
    return parts._replace(scheme=other).geturl()


def explain_unreachable(exc: TransportError, server: str) -> WrongServer:
    """One line for a server that could not be reached at ``server``."""
    text = _chain(exc)
    parts = urlsplit(server)
    where = f"{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"
    if (
        "wrong version number" in text
        or "record layer failure" in text
        or (parts.scheme == "https" and "unexpected eof" in text)
    ):
        cause = f"it does not speak TLS there: a plain HTTP port? try {_other_scheme(server)}"
    elif "certificate" in text or "sslcertverification" in text:
        cause = (
            "its TLS certificate is not trusted by this machine (set REQUESTS_CA_BUNDLE to "
            "the CA file, or fix the certificate)"
        )
    elif "ssl" in text:
        cause = "the TLS handshake failed"
    elif "refused" in text:
        cause = f"nothing is listening on {where} (is the server running? the right port?)"
    elif (
        "name or service not known" in text
        or "nodename nor servname" in text
        or ("failed to resolve" in text or "name resolution" in text)
    ):
        cause = f"the host name {parts.hostname!r} does not resolve"
    elif "timed out" in text or "timeout" in text:
        cause = f"no answer from {where} in time (a firewall, or a server too busy)"
    elif parts.scheme == "http" and (
        "remotedisconnected" in text
        or "badstatusline" in text
        or "aborted" in text
        or "reset" in text
    ):
        cause = (
            f"the connection closed without an HTTP answer: a TLS port? try {_other_scheme(server)}"
        )
    else:
        cause = "the connection failed"
    return WrongServer(f"cannot reach the server at {server}: {cause}")


def not_a_clearinghouse(server: str, why: str) -> WrongServer:
    """One line for a URL that answers, but not as a clearinghouse's API base."""
    parts = urlsplit(server)
    base = parts._replace(path="", query="", fragment="").geturl()
    hint = (
        f"; a wrong path prefix? give the base URL, e.g. {base}"
        if parts.path.strip("/")
        else f"; is this the clearinghouse's base URL? (try {_other_scheme(server)})"
        if parts.scheme == "http"
        else "; is this the clearinghouse's base URL?"
    )
    return WrongServer(f"no clearinghouse API at {server}: {why}{hint}")
