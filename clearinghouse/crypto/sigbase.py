"""RFC 9421 signature base: the exact bytes an HTTP message signature covers (§2).

A request is seen as its method, its full target URI and its header fields. The derived
components supported are ``@method``, ``@target-uri``, ``@authority``, ``@scheme``,
``@request-target``, ``@path`` and ``@query``; any other component is a header field,
named in lowercase, whose value is every field line trimmed and joined with ``", "``.
Component parameters (``;sf``, ``;key``, ``;bs``, ``;req``) and ``@query-param`` are not
supported and make a base impossible to build. Everything that cannot be built raises
ValueError; the signing and verifying layer decides what that means.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from http_sfv import InnerList, Item

from clearinghouse.crypto.sigfields import serialize_inner_list, serialize_string

__all__ = [
    "DERIVED_COMPONENTS",
    "HttpRequest",
    "header_fields",
    "signature_base",
    "signature_params",
    "wsgi_target_uri",
]

DERIVED_COMPONENTS = frozenset(
    {"@method", "@target-uri", "@authority", "@scheme", "@request-target", "@path", "@query"}
)

_DEFAULT_PORTS = {"http": "80", "https": "443"}

Headers = Mapping[str, object] | Iterable[tuple[str, object]]


def header_fields(headers: Headers) -> dict[str, str]:
    """Header fields by lowercase name, each the trimmed field lines joined with ``", "``.

    Takes a mapping (a dict, werkzeug's ``EnvironHeaders``, requests' case-insensitive
    dict) or a list of ``(name, value)`` pairs; a value may also be a list of field lines.
    """
    # ``items()`` on werkzeug headers yields every field line, repeats included.
    pairs = headers.items() if hasattr(headers, "items") else headers
    lines: dict[str, list[str]] = {}
    for name, value in pairs:
        values = value if isinstance(value, list | tuple) else [value]
        for v in values:
            text = v.decode("latin-1") if isinstance(v, bytes) else str(v)
            lines.setdefault(str(name).lower(), []).append(text.strip(" \t"))
    return {name: ", ".join(values) for name, values in lines.items()}


@dataclass(frozen=True)
class HttpRequest:
    """The parts of a request a signature can cover: method, target URI, header fields."""

    method: str
    url: str
    fields: Mapping[str, str]

    @classmethod
    def of(cls, method: str, url: str, headers: Headers) -> HttpRequest:
        """A request from a method, full target URI and headers in any accepted form."""
        return cls(method, url, header_fields(headers))

    @property
    def has_query(self) -> bool:
        """Whether the target URI has a non-empty query."""
        return bool(_split(self.url).query)

    def component(self, name: str) -> str:
        """The value of one covered component; ValueError if the request has none."""
        if name.startswith("@"):
            if name not in DERIVED_COMPONENTS:
                raise ValueError(f"unsupported derived component {name}")
            return _derived(self, name)
        if name != name.lower():
            raise ValueError(f"component name {name!r} is not lowercase")
        if name not in self.fields:
            raise ValueError(f"covered header field {name!r} is not in the request")
        return self.fields[name]


def wsgi_target_uri(environ: Mapping[str, Any]) -> str:
    """The target URI of a WSGI request, with its path and query exactly as the client sent them.

    Frameworks' ``request.url`` decodes percent-escapes (``%2F`` becomes ``/``), which would
    break a signature over ``@path``, ``@query`` or ``@target-uri``. The raw request line
    (``RAW_URI`` from gunicorn and werkzeug, ``REQUEST_URI`` elsewhere) is used when the
    server provides it; otherwise ``SCRIPT_NAME + PATH_INFO`` is re-encoded, which loses
    only escapes of characters that need none (and ``%2F``). Scheme and host come from
    ``wsgi.url_scheme`` and ``Host``, so a proxy fixer such as ``ProxyFix`` applies.
    """
    scheme = environ.get("wsgi.url_scheme", "http")
    host = environ.get("HTTP_HOST")
    if not host:
        host = environ["SERVER_NAME"]
        port = str(environ.get("SERVER_PORT", ""))
        if port and port != _DEFAULT_PORTS.get(scheme):
            host = f"{host}:{port}"
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or ""
    if "://" in raw:  # absolute-form request line: keep its path and query only
        rest = raw.split("://", 1)[1]
        raw = rest[rest.index("/") :] if "/" in rest else "/"
    query = environ.get("QUERY_STRING", "")
    if raw.startswith("/"):
        # Some servers (and werkzeug's test environ) put only the path in RAW_URI.
        if "?" not in raw and query:
            raw += "?" + query
        return f"{scheme}://{host}{raw}"
    # PEP 3333: environ strings carry the raw bytes decoded as latin-1.
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    path = quote(path.encode("latin-1"), safe="/:@!$&'()*+,;=")
    return f"{scheme}://{host}{path}" + (f"?{query}" if query else "")


def signature_params(components: Sequence[str], params: Mapping[str, int | str]) -> str:
    """The ``@signature-params`` value: the covered components and parameters, serialised."""
    fast = serialize_inner_list(components, params)
    if fast is not None:
        return fast
    inner = InnerList([Item(name) for name in components])
    inner.params.update(params)
    return str(inner)


def signature_base(
    request: HttpRequest, components: Sequence[str], params: Mapping[str, int | str]
) -> bytes:
    """The signature base of ``request`` for these covered components and parameters."""
    if len(set(components)) != len(components):
        raise ValueError("a component is covered twice")
    lines = []
    for name in components:
        if name == "@signature-params":
            raise ValueError("@signature-params cannot be covered")
        value = request.component(name)
        if "\r" in value or "\n" in value:
            raise ValueError(f"component {name} contains a line break")
        lines.append(f"{serialize_string(name) or Item(name)}: {value}")
    lines.append(f'"@signature-params": {signature_params(components, params)}')
    base = "\n".join(lines)
    if not base.isascii():
        raise ValueError("the signature base is not ASCII")
    return base.encode("ascii")


@dataclass(frozen=True)
class _Url:
    scheme: str
    host: str
    port: str | None
    path: str
    query: str | None  # None when there is no "?", "" when it is empty


@functools.lru_cache(maxsize=256)  # a base splits one URL once per component
def _split(url: str) -> _Url:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        raise ValueError("the target URI must be absolute")
    hostport = parts.netloc.rpartition("@")[2]  # userinfo is not part of the authority
    if hostport.startswith("["):
        host, _, rest = hostport.partition("]")
        host += "]"
        port = rest[1:] if rest.startswith(":") else None
    else:
        host, colon, port_text = hostport.partition(":")
        port = port_text if colon else None
    without_fragment = url.partition("#")[0]
    query = parts.query if "?" in without_fragment else None
    return _Url(parts.scheme, host, port, parts.path, query)


def _derived(request: HttpRequest, name: str) -> str:
    if name == "@method":
        return request.method
    url = _split(request.url)
    path = url.path or "/"  # RFC 9421 §2.2.6: an empty path is "/"
    query_suffix = "" if url.query is None else "?" + url.query
    if name == "@target-uri":
        authority = url.host if url.port is None else f"{url.host}:{url.port}"
        return f"{url.scheme}://{authority}{path}{query_suffix}"
    if name == "@authority":
        # RFC 9421 §2.2.3: normalised per RFC 9110 §4.2.3 — lowercase host, no default port.
        scheme = url.scheme.lower()
        port = url.port
        if port is not None and (not port or port.lstrip("0") == _DEFAULT_PORTS.get(scheme)):
            port = None
        host = url.host.lower()
        return host if port is None else f"{host}:{port}"
    if name == "@scheme":
        return url.scheme.lower()
    if name == "@request-target":
        return path + query_suffix
    if name == "@path":
        return path
    # @query: RFC 9421 §2.2.7, an absent or empty query is "?".
    return "?" + (url.query or "")
