"""The RSGI bridge of ``serve`` (``cli/front.py``) on fake granian scopes: the WSGI environ
it builds, and the bodies it refuses before the app sees them."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

import pytest

from clearinghouse.cli.front import MAX_TARGET_BYTES, WsgiBridge, wsgi_environ


class Headers:
    def __init__(self, pairs):
        self.pairs = pairs

    def items(self):
        return list(self.pairs)

    def get(self, name, default=None):
        return next((v for k, v in self.pairs if k == name), default)

    def __contains__(self, name):
        return any(k == name for k, _ in self.pairs)


def scope(method="GET", path="/healthz", query="", headers=()):
    return SimpleNamespace(
        proto="http", http_version="1.1", server="127.0.0.1:8080", client="127.0.0.1:5555",
        scheme="http", method=method, path=path, query_string=query,
        headers=Headers([("host", "127.0.0.1:8080"), *headers]),
    )  # fmt: skip


class Proto:
    """A fake RSGI protocol: the body arrives in ``chunks`` (None: never), answers kept."""

    def __init__(self, chunks=()):
        self.chunks, self.read, self.answer = chunks, False, None

    def __aiter__(self):
        self.read = True
        return self._chunks()

    async def _chunks(self):
        if self.chunks is None:
            await asyncio.sleep(3600)
        for chunk in self.chunks:
            yield chunk

    def response_bytes(self, status, headers, body):
        self.answer = (status, dict(headers), body)


def echo_app(environ, start_response):
    start_response("201 Created", [("Content-Type", "application/json")])
    seen = {k: environ.get(k) for k in ("PATH_INFO", "CONTENT_LENGTH", "HTTP_X_ROLE")}
    return [json.dumps({**seen, "body": environ["wsgi.input"].read().decode()}).encode()]


def serve(bridge, s, proto):
    asyncio.run(bridge.__rsgi__(s, proto))
    return proto.answer


def bridge(**options):
    return WsgiBridge(
        echo_app, **{"threads": 2, "max_body_bytes": 100, "body_timeout": 5, **options}
    )


def test_the_environ_follows_pep_3333():
    environ = wsgi_environ(
        scope(
            "POST", "/v1/é", "a=1",
            [("x-role", "a"), ("x-role", "b"), ("x_role", "smuggled"),
             ("content-type", "application/json"), ("transfer-encoding", "chunked")],
        ),
        b"{}",
    )  # fmt: skip
    assert environ["PATH_INFO"] == "/v1/é".encode().decode("latin-1")
    assert environ["QUERY_STRING"] == "a=1" and environ["REQUEST_METHOD"] == "POST"
    assert environ["HTTP_X_ROLE"] == "a,b"  # joined; the underscore twin is dropped
    assert environ["CONTENT_TYPE"] == "application/json" and environ["CONTENT_LENGTH"] == "2"
    assert "HTTP_TRANSFER_ENCODING" not in environ
    assert (environ["SERVER_NAME"], environ["SERVER_PORT"]) == ("127.0.0.1", "8080")
    assert environ["wsgi.input"].read() == b"{}"
    assert "CONTENT_LENGTH" not in wsgi_environ(scope(), b"")


def test_a_whole_request_reaches_the_app():
    proto = Proto([b'{"a":', b"1}"])
    headers = [("content-length", "7"), ("x-role", "m")]
    status, head, body = serve(bridge(), scope("POST", "/x", headers=headers), proto)
    assert status == 201 and head["Content-Type"] == "application/json"
    answer = json.loads(body)
    assert answer == {
        "PATH_INFO": "/x",
        "CONTENT_LENGTH": "7",
        "HTTP_X_ROLE": "m",
        "body": '{"a":1}',
    }


def test_a_get_without_a_body_reads_nothing():
    proto = Proto(None)  # reading would wait forever
    assert serve(bridge(), scope(), proto)[0] == 201 and not proto.read


def _problem(answer, status):
    got, headers, body = answer
    assert got == status and headers["content-type"] == "application/problem+json"
    assert json.loads(body)["status"] == status
    return json.loads(body)["detail"]


@pytest.mark.parametrize(
    "headers, chunks, status",
    [
        ([("content-length", "101")], None, 413),  # refused on the declared length, unread
        ([("transfer-encoding", "chunked")], [b"x" * 60, b"x" * 41], 413),
        ([("content-length", "10")], None, 408),  # never arrives
        ([("transfer-encoding", "chunked")], None, 408),
    ],
    ids=["declared-too-large", "chunked-too-large", "slow-sized", "slow-chunked"],
)
def test_bodies_the_front_refuses(headers, chunks, status):
    proto = Proto(chunks)
    _problem(
        serve(bridge(body_timeout=0.05), scope("POST", "/v1/match", headers=headers), proto), status
    )
    if status == 413 and chunks is None:
        assert not proto.read


def test_an_over_long_request_target_is_a_414_problem():
    answer = serve(bridge(), scope(query="v=" + "x" * MAX_TARGET_BYTES), Proto())
    assert "too long" in _problem(answer, 414)
