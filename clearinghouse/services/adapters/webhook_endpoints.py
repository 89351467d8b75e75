"""Which webhook endpoints may be reached (server-side request forgery rules).

An endpoint is ``https`` unless its host is in ``CLEARINGHOUSE_WEBHOOK_ALLOW_HTTP_HOSTS``,
and every address its host resolves to must be a public one — not private, loopback,
link-local (cloud metadata lives there), shared, multicast or reserved — unless it lies in
a network of ``CLEARINGHOUSE_WEBHOOK_ALLOW_NETWORKS``. The address rule is applied to the
resolved addresses at every delivery, not only at registration, so a name re-pointed at
an inside address later is refused then; the delivery connects to the address checked.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from clearinghouse.errors import UnsafeEndpoint

__all__ = ["Endpoint", "EndpointRules", "Resolver", "system_resolver"]

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]
MAX_URL_LENGTH = 2048


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (for TCP on ``port``)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UnsafeEndpoint(f"the endpoint host {host!r} does not resolve ({exc})") from None
    return list(dict.fromkeys(info[4][0] for info in found))


@dataclass(frozen=True)
class Endpoint:
    """A webhook URL taken apart: what is connected to and what is asked for."""

    url: str
    scheme: str
    host: str
    port: int
    target: str  # path and query


@dataclass(frozen=True)
class EndpointRules:
    """The rules of one deployment, from its settings."""

    allow_http_hosts: frozenset[str]
    allow_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    resolver: Resolver = system_resolver

    @classmethod
    def from_settings(cls, settings, resolver: Resolver = system_resolver) -> EndpointRules:
        return cls(
            frozenset(h.lower() for h in settings.webhook_allow_http_hosts),
            tuple(ipaddress.ip_network(n) for n in settings.webhook_allow_networks),
            resolver,
        )

    def parse(self, url: object) -> Endpoint:
        """The endpoint of ``url``, or ``UnsafeEndpoint`` naming what is wrong with it."""
        if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
            raise UnsafeEndpoint(f"url: expected an absolute URL of at most {MAX_URL_LENGTH} chars")
        if any(ord(c) < 0x21 or ord(c) > 0x7E for c in url):
            raise UnsafeEndpoint("url: spaces, control and non-ASCII characters are refused")
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise UnsafeEndpoint(f"url: {exc}") from None
        scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
        if scheme not in ("https", "http") or not host:
            raise UnsafeEndpoint("url: expected an https:// URL with a host")
        if parts.username is not None or parts.password is not None:
            raise UnsafeEndpoint("url: credentials in the URL are refused; use the secret")
        if scheme == "http" and host not in self.allow_http_hosts:
            raise UnsafeEndpoint(
                f"url: plain http is refused for {host!r}; use https "
                "(or list the host in CLEARINGHOUSE_WEBHOOK_ALLOW_HTTP_HOSTS)"
            )
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return Endpoint(url, scheme, host, port or (443 if scheme == "https" else 80), target)

    def check_address(self, text: str) -> Address:
        """The address, if the rules let a delivery reach it; ``UnsafeEndpoint`` if not."""
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if any(address in network for network in self.allow_networks):
            return address
        if not address.is_global or address.is_multicast:
            raise UnsafeEndpoint(
                f"the endpoint resolves to {address}, a private, loopback, link-local or "
                "reserved address (allow its network in CLEARINGHOUSE_WEBHOOK_ALLOW_NETWORKS)"
            )
        return address

    def addresses(self, endpoint: Endpoint) -> Sequence[Address]:
        """Every address of the endpoint's host, each checked; refused if any is unsafe
        (a name with one inside address could be steered there)."""
        try:
            literal = ipaddress.ip_address(endpoint.host.strip("[]"))
        except ValueError:
            found = self.resolver(endpoint.host, endpoint.port)
        else:
            found = [str(literal)]
        if not found:
            raise UnsafeEndpoint(f"the endpoint host {endpoint.host!r} has no address")
        return [self.check_address(a) for a in found]

    def check(self, url: object) -> Endpoint:
        """Parse and resolve: what registration does (and every delivery again)."""
        endpoint = self.parse(url)
        self.addresses(endpoint)
        return endpoint
