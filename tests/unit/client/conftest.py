"""A fake clearinghouse server behind a ``requests`` transport adapter, for the SDK and CLI.

It checks what the real one checks at the edge — every signed request with
``verify_request`` (and refuses a replayed signature), every statement envelope with
``verify_envelope`` — records each call, stores each envelope once (a repeat gets the
first answer), and can be told to fail: answer a status, refuse the connection before
the request arrives, or drop the connection after handling it (the answer is lost).
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from urllib3.exceptions import MaxRetryError, NewConnectionError

from clearinghouse.client import Client
from clearinghouse.client.statements import ENDPOINTS, PAYLOAD_TYPES
from clearinghouse.crypto import (
    Envelope,
    RequestSignatureError,
    SigningKey,
    VerifyKey,
    verify_envelope,
    verify_request,
)
from clearinghouse.errors import InvalidInput, VerificationError

SERVER = "https://ch.example.test"
MEMBER = "acme"
PUBLIC = {"/v1/log/checkpoint", "/v1/log/key"}
KIND_OF_PATH = {path: kind for kind, path in ENDPOINTS.items()}


@dataclass
class Call:
    """One request as it arrived."""

    method: str
    url: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes | None
    signed: bool
    nonce: str | None = None


@dataclass
class Stored:
    envelope: Envelope
    body: bytes
    answer: dict[str, Any]


@dataclass
class FakeServer(BaseAdapter):
    keys: dict[str, tuple[str, VerifyKey]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    faults: list[Any] = field(default_factory=list)
    statements: dict[str, Stored] = field(default_factory=dict)
    log: list[bytes] = field(default_factory=list)
    signals: dict[tuple[str, str], int] = field(default_factory=dict)
    replays: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        super().__init__()

    def add_member_key(self, member: str, key: SigningKey) -> None:
        self.keys[key.key_id] = (member, key.verify_key)

    def statement_calls(self) -> list[Call]:
        return [c for c in self.calls if c.path in KIND_OF_PATH]

    # -- the adapter ----------------------------------------------------------------------

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        fault = self.faults.pop(0) if self.faults else None
        if fault == "refuse":  # the connection is never made: nothing reaches the server
            refused = MaxRetryError(None, request.url, NewConnectionError(None, "refused"))
            raise requests.ConnectionError(refused, request=request)
        body = request.body if isinstance(request.body, bytes | None) else request.body.encode()
        parts = urlsplit(request.url)
        call = Call(
            request.method,
            request.url,
            parts.path,
            parse_qs(parts.query),
            dict(request.headers),
            body,
            "Signature" in request.headers,
        )
        self.calls.append(call)
        if isinstance(fault, int):
            return _response(request, fault, {"title": "injected", "status": fault})
        if fault == "redirect":
            response = _response(request, 301, b"", "text/plain")
            response.headers["Location"] = "https://elsewhere.test/v1/"
            return response
        if fault == "html502":
            return _response(request, 502, b"<html>bad gateway</html>", "text/html")
        try:
            status, answer = self._handle(request, call)
        except RequestSignatureError:
            status, answer = 401, _problem(401, "unauthenticated", "signature not verified")
        except VerificationError as exc:
            status, answer = 400, _problem(400, "verification-failed", exc.detail)
        except InvalidInput as exc:
            status, answer = 400, _problem(400, "invalid-input", exc.detail, exc.errors)
        if fault == "drop":  # handled, but the answer never comes back
            raise requests.ConnectionError("connection reset by peer", request=request)
        return _response(request, status, answer)

    def close(self) -> None:
        pass

    # -- the server -----------------------------------------------------------------------

    def _handle(self, request, call: Call) -> tuple[int, Any]:
        member = None
        if call.path not in PUBLIC:
            verified = verify_request(
                request.method,
                request.url,
                request.headers,
                call.body,
                resolve_key=lambda kid: self.keys[kid][1],
                now=int(time.time()),
            )
            if verified.replay_key in self.replays:
                raise RequestSignatureError("replayed")
            self.replays.add(verified.replay_key)
            call.nonce = verified.nonce
            member = self.keys[verified.keyid][0]
        route = (request.method, call.path)
        if request.method == "POST" and call.path in KIND_OF_PATH:
            return self._statement(KIND_OF_PATH[call.path], member, call.body)
        if route == ("POST", "/v1/match"):
            queries = json.loads(call.body)["queries"]
            return 200, {"results": [self._matches(q["signal_type"], q["value"]) for q in queries]}
        if route == ("GET", "/v1/match"):
            q = {k: v[0] for k, v in call.query.items()}
            return 200, {"results": [self._matches(q["signal_type"], q["value"])]}
        if route == ("GET", "/v1/signals"):
            return 200, self._feed(call.query)
        if request.method == "GET" and call.path.startswith("/v1/signals/"):
            signal_id = int(call.path.rsplit("/", 1)[1])
            if signal_id not in self.signals.values():
                return 404, _problem(404, "not-found", f"no signal {signal_id}")
            return 200, {"signal_id": signal_id}
        if route == ("POST", "/v1/keys"):
            key = VerifyKey.from_pem(json.loads(call.body)["public_key"])
            if key.key_id in self.keys:
                return 409, _problem(409, "conflict", "key exists")
            self.keys[key.key_id] = (member, key)
            return 201, {"member": member, "key_id": key.key_id}
        if request.method == "DELETE" and call.path.startswith("/v1/keys/"):
            return 200, {"key_id": call.path.rsplit("/", 1)[1], "force": call.query.get("force")}
        if route == ("GET", "/v1/log/checkpoint"):
            return 200, f"example/log\n{len(self.log)}\nAAAA\n\n— sig\n"
        if route == ("GET", "/v1/log/key"):
            return 200, "example+01234567+AQ==\n"
        if route == ("GET", "/v1/log/entries"):
            start, end = int(call.query["start"][0]), int(call.query["end"][0])
            end = min(end, len(self.log), start + 1000)
            entries = [
                {"index": i, "data": base64.b64encode(self.log[i]).decode()}
                for i in range(start, end)
            ]
            return 200, {"entries": entries}
        if route == ("GET", "/v1/log/proof/inclusion"):
            path = [base64.b64encode(b"h" * 32).decode()]
            return 200, {"index": 0, "tree_size": 2, "hashes": path}
        if route == ("GET", "/v1/log/proof/consistency"):
            return 200, {"first": 1, "second": 2, "hashes": []}
        return 404, _problem(404, "not-found", "no such route")

    def _statement(self, kind: str, member: str, body: bytes) -> tuple[int, Any]:
        envelope = Envelope.from_json(body)
        if envelope.payload_type != PAYLOAD_TYPES[kind]:
            raise InvalidInput("payloadType does not fit the endpoint")
        keyid, _ = verify_envelope(envelope, lambda kid: self.keys.get(kid, (None, None))[1])
        payload = json.loads(envelope.payload)
        if payload["member"] != member or self.keys[keyid][0] != member:
            raise InvalidInput("payload member is not the signer")
        digest = envelope.digest()
        if digest in self.statements:  # idempotent: the first answer again
            return 201, self.statements[digest].answer
        errors = [
            {"index": i, "field": "value", "reason": "not hex"}
            for i, item in enumerate(payload["items"])
            if str(item["value"]).endswith("bad")
        ]
        if errors:
            raise InvalidInput(f"{len(errors)} bad item(s)", errors=errors)
        items = []
        for item in payload["items"]:
            signal = (item["signal_type"], json.dumps(item["value"]))
            status = "unchanged" if signal in self.signals else "new"
            self.signals.setdefault(signal, len(self.signals) + 1)
            items.append({"signal_id": self.signals[signal], "status": status})
        self.log.append(body)
        answer = {
            "statement_id": len(self.statements) + 1,
            "log_index": len(self.log) - 1,
            "items": items,
            "checkpoint": "…",
            "inclusion_proof": {"hashes": []},
        }
        self.statements[digest] = Stored(envelope, body, answer)
        return 201, answer

    def _matches(self, signal_type: str, value: Any) -> dict[str, Any]:
        signal_id = self.signals.get((signal_type, json.dumps(value)))
        if signal_id is None:
            return {"matches": []}
        return {"matches": [{"signal_id": signal_id, "signal_type": signal_type, "value": value,
                             "distance": 0, "labels": {"behaviour:x": 1}, "contributors": 1,
                             "confirmed": False, "disputed": False}]}  # fmt: skip

    def _feed(self, query: dict[str, list[str]]) -> dict[str, Any]:
        after = int(query.get("after", ["0"])[0])
        limit = int(query.get("limit", ["2"])[0])
        ids = sorted(i for i in self.signals.values() if i > after)[:limit]
        return {"signals": [{"signal_id": i} for i in ids], "next": str(ids[-1]) if ids else None}


def _problem(status: int, slug: str, detail: str, errors: list | None = None) -> dict:
    problem = {
        "type": f"https://clearinghouse.invalid/problems/{slug}",
        "title": slug.replace("-", " ").capitalize(),
        "status": status,
        "detail": detail,
    }
    if errors:
        problem["errors"] = errors
    return problem


def _response(request, status: int, answer: Any, content_type: str | None = None):
    response = requests.Response()
    response.status_code = status
    if isinstance(answer, bytes):
        response._content = answer
    elif isinstance(answer, str):
        response._content, content_type = answer.encode(), "text/plain; charset=utf-8"
    else:
        response._content = json.dumps(answer).encode()
        content_type = content_type or (
            "application/problem+json" if status >= 400 else "application/json"
        )
    response.headers = CaseInsensitiveDict({"Content-Type": content_type})
    response.encoding = "utf-8"
    response.url = request.url
    response.request = request
    return response


@pytest.fixture
def member_key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
def server(member_key) -> FakeServer:
    fake = FakeServer()
    fake.add_member_key(MEMBER, member_key)
    return fake


@pytest.fixture
def sleeps() -> list[float]:
    """The backoff pauses asked for (nothing actually sleeps)."""
    return []


@pytest.fixture
def make_client(server, member_key, sleeps):
    """A factory of clients talking to the fake server."""

    def make(key: SigningKey | None = None, **options: Any) -> Client:
        session = requests.Session()
        session.mount(SERVER, server)
        options.setdefault("sleep", sleeps.append)
        return Client(SERVER, MEMBER, key or member_key, session=session, **options)

    return make


@pytest.fixture
def client(make_client) -> Client:
    return make_client()
