"""The signing HTTP session: one RFC 9421 signature per attempt, retries with backoff.

Each attempt is signed afresh (new ``created``, new random ``nonce``) because the server
accepts a signature once (DESIGN §4.1): re-sending the same signed bytes would be refused
as a replay. Retrying is safe where the operation is idempotent — statements are stored
once per envelope, lookups change nothing — so connection failures, 5xx and 429 are
retried with exponential backoff and jitter; other 4xx are final. Operations that are not
idempotent (adding or revoking a key) are retried only when the request never left.

Nothing the server sends is trusted to be small or quick (``client/transport.py``): each
attempt has a connect timeout, a per-read timeout and a total deadline, and the answer is
read up to a byte ceiling. Past either, the call fails as ``TransportError`` at once,
without retrying, since a server that drips or floods once will do it again.
"""

from __future__ import annotations

import contextlib
import logging
import random
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import requests
from urllib3.exceptions import NewConnectionError

from clearinghouse.client.errors import ProblemError, TransportError, problem_error
from clearinghouse.client.transport import (
    AnswerTooLarge,
    Watchdog,
    WatchedAdapter,
    limits_from_env,
    read_body,
)
from clearinghouse.crypto import SigningKey, sign_request

__all__ = ["SignedSession"]

log = logging.getLogger("clearinghouse.client")
_USER_AGENT = "clearinghouse-client/1"
_MAX_RETRY_AFTER = 60.0


class SignedSession:
    """Sends requests to one server, signed with one member key, over a reused connection."""

    def __init__(
        self,
        server: str,
        key: SigningKey,
        *,
        timeout: float = 10.0,
        retries: int = 3,
        session: requests.Session | None = None,
        connect_timeout: float | None = None,
        deadline: float | None = None,
        max_answer_bytes: int | None = None,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        parts = urlsplit(server)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"server must be an http(s) URL, got {server!r}")
        if retries < 0:
            raise ValueError("retries must be >= 0")
        env_deadline, env_ceiling = limits_from_env()
        deadline = env_deadline if deadline is None else deadline
        max_answer_bytes = env_ceiling if max_answer_bytes is None else max_answer_bytes
        if deadline <= 0 or max_answer_bytes < 1:
            raise ValueError("deadline and max_answer_bytes must be positive")
        self.server = server.rstrip("/")
        self.key = key
        self.timeout = timeout  # per socket read
        self.connect_timeout = timeout if connect_timeout is None else connect_timeout
        self.deadline = deadline  # per attempt: connect, headers and the whole body
        self.max_answer_bytes = max_answer_bytes
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._owns_session = session is None
        self.http = session if session is not None else requests.Session()
        if self._owns_session:
            for prefix in ("http://", "https://"):
                self.http.mount(prefix, WatchedAdapter())
        self._sleep = sleep
        self._clock = clock

    def clock(self) -> float:
        """The time (Unix seconds) signatures and proofs are made at."""
        return self._clock()

    def close(self) -> None:
        """Close the pooled connections (of a session this object made, not one passed in)."""
        if self._owns_session:
            self.http.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        body: bytes | None = None,
        content_type: str = "application/json",
        signed: bool = True,
        idempotent: bool = True,
    ) -> requests.Response:
        """Send one request (re-signed on every retry); a 2xx answer or a typed error."""
        url = self.server + path
        pairs = [(k, _text(v)) for k, v in (query or {}).items() if v is not None]
        if pairs:
            url += "?" + urlencode(pairs, quote_via=quote)
        attempt = 0
        while True:
            prepared = self._prepare(method, url, body, content_type, signed)
            watchdog = Watchdog(self.deadline)
            try:
                with watchdog:
                    response = self._attempt(prepared, watchdog)
            except AnswerTooLarge as exc:
                size = f" of {exc.size} bytes" if exc.size is not None else ""
                raise TransportError(
                    f"{method} {path}: the answer{size} from {self.server} is larger than the "
                    f"{self.max_answer_bytes} bytes this client reads; giving up"
                ) from None
            except requests.RequestException as exc:
                if watchdog.expired:
                    raise TransportError(self._late(method, path)) from None
                transient = isinstance(exc, requests.ConnectionError | requests.Timeout)
                if transient and attempt < self.retries and (idempotent or _never_sent(exc)):
                    self._pause(attempt, None)
                    attempt += 1
                    continue
                raise TransportError(
                    f"cannot reach {self.server} after {attempt + 1} attempt(s): {_line(exc)}"
                ) from None
            if response.status_code < 300:
                return response
            if response.status_code < 400:
                # Not followed: a signature covers the authority and path it was made for.
                where = response.headers.get("Location", "elsewhere")
                raise ProblemError(
                    response.status_code,
                    {
                        "title": "Redirected",
                        "detail": f"the server redirects to {where}; "
                        "use that address as the server URL",
                    },
                )
            retryable = response.status_code >= 500 or response.status_code == 429
            if retryable and idempotent and attempt < self.retries:
                delay = self._pause(attempt, response.headers.get("Retry-After"))
                if response.status_code == 429:
                    # Said where a person sees it: logging's last resort writes to stderr.
                    log.warning(
                        "rate limited by %s; retrying in %.1f s (attempt %d of %d)",
                        self.server,
                        delay,
                        attempt + 2,
                        self.retries + 1,
                    )
                response.close()
                attempt += 1
                continue
            raise problem_error(response.status_code, response.content)

    def _attempt(self, prepared: requests.PreparedRequest, watchdog: Watchdog):
        """Send once and read the whole answer under ``watchdog``; a cut one is late."""
        response = self.http.send(
            prepared,
            timeout=(self.connect_timeout, self.timeout),
            allow_redirects=False,
            stream=True,
        )
        try:
            read_body(response, self.max_answer_bytes)
        finally:
            response.close()
        if watchdog.expired:  # cut at the deadline: what was read may look complete
            raise requests.Timeout("deadline")
        return response

    def _late(self, method: str, path: str) -> str:
        return (
            f"{method} {path}: {self.server} did not answer within the {self.deadline:g} s "
            "deadline; giving up"
        )

    def _prepare(
        self, method: str, url: str, body: bytes | None, content_type: str, signed: bool
    ) -> requests.PreparedRequest:
        headers = {"User-Agent": _USER_AGENT, "Accept": "application/json, */*;q=0.5"}
        if body is not None:
            headers["Content-Type"] = content_type
        prepared = self.http.prepare_request(
            requests.Request(method, url, headers=headers, data=body)
        )
        if signed:
            # Sign what will actually go on the wire: the prepared URL and body.
            prepared.headers.update(
                sign_request(
                    prepared.method or method,
                    prepared.url or url,
                    {},
                    body,
                    self.key,
                    created=int(self._clock()),
                    nonce=secrets.token_urlsafe(16),
                )
            )
        return prepared

    def _pause(self, attempt: int, retry_after: str | None) -> float:
        ceiling = min(self.max_backoff, self.backoff * 2**attempt)
        # Half fixed, half random: spreads out clients that failed together.
        delay = ceiling / 2 + random.uniform(0, ceiling / 2)
        if retry_after is not None:
            # An HTTP-date does not parse as seconds: then the backoff is good enough.
            with contextlib.suppress(ValueError):
                delay = max(delay, min(float(retry_after), _MAX_RETRY_AFTER))
        self._sleep(delay)
        return delay


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _line(exc: Exception) -> str:
    """An exception as one short line (requests nests urllib3's reprs in its text)."""
    text = " ".join(str(exc).split())
    return text[:300]


def _never_sent(exc: Exception) -> bool:
    """Whether the request failed before any byte reached the server (safe to retry)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError)
