"""Sending one webhook delivery over HTTP, within the endpoint rules.

Every attempt resolves the endpoint's host again and checks each address
(``endpoints.py``), then connects to the address it checked — the URL's host is kept for
the ``Host`` header and, over TLS, for SNI and certificate checking — so a name cannot be
re-pointed between the check and the connection. One ``httpx`` client per deliverer
reuses connections; it follows no redirects, reads no proxy settings from the
environment, and has a connect timeout, a total deadline and a ceiling on the answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from clearinghouse.errors import UnsafeEndpoint
from clearinghouse.services.adapters.webhook_endpoints import EndpointRules
from clearinghouse.services.adapters.webhook_signing import webhook_headers

__all__ = ["Attempt", "Sender"]

USER_AGENT = "clearinghouse-webhooks/1"


@dataclass(frozen=True)
class Attempt:
    """How one attempt went: ``reason`` is a short fixed word for metrics when it failed."""

    ok: bool
    reason: str | None = None
    status: int | None = None
    detail: str = ""


class Sender:
    """Sends deliveries for one process; ``close`` when done."""

    def __init__(
        self,
        rules: EndpointRules,
        *,
        connect_timeout: float,
        timeout: float,
        max_response_bytes: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.rules = rules
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        self.clock = clock
        self._client = httpx.Client(
            follow_redirects=False,
            trust_env=False,
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
        )

    def send(self, url: str, secret: str, webhook_id: str, body: bytes) -> Attempt:
        """POST one delivery; an Attempt says whether the endpoint took it (any 2xx)."""
        try:
            endpoint = self.rules.parse(url)
            address = self.rules.addresses(endpoint)[0]
        except UnsafeEndpoint as exc:
            return Attempt(False, "address-refused", detail=exc.detail)
        host = f"[{address}]" if address.version == 6 else str(address)
        default_port = 443 if endpoint.scheme == "https" else 80
        authority = endpoint.host + ("" if endpoint.port == default_port else f":{endpoint.port}")
        headers = {
            "host": authority,
            "user-agent": USER_AGENT,
            **webhook_headers(secret, webhook_id, int(self.clock()), body),
        }
        extensions = {"sni_hostname": endpoint.host} if endpoint.scheme == "https" else {}
        target = f"{endpoint.scheme}://{host}:{endpoint.port}{endpoint.target}"
        deadline = time.monotonic() + self.timeout
        try:
            request = self._client.build_request(
                "POST", target, headers=headers, content=body, extensions=extensions
            )
            response = self._client.send(request, stream=True)
            try:
                read = 0
                for chunk in response.iter_raw():
                    read += len(chunk)
                    if read > self.max_response_bytes:
                        return Attempt(False, "response-too-large", response.status_code)
                    if time.monotonic() > deadline:
                        return Attempt(False, "timeout", response.status_code)
            finally:
                response.close()
        except httpx.ConnectTimeout:
            return Attempt(False, "connect-timeout")
        except httpx.TimeoutException:
            return Attempt(False, "timeout")
        except httpx.ConnectError as exc:
            return Attempt(False, "connect-error", detail=str(exc)[:200])
        except httpx.HTTPError as exc:
            return Attempt(False, "transport-error", detail=str(exc)[:200])
        status = response.status_code
        if 200 <= status < 300:
            return Attempt(True, status=status)
        if 300 <= status < 400:
            return Attempt(False, "redirect", status, "redirects are not followed")
        return Attempt(False, f"status-{status // 100}xx", status, f"answered {status}")

    def close(self) -> None:
        self._client.close()
