"""Schemathesis against the served /v1/openapi.json: every generated request, signed as
a real member (RFC 9421 with Content-Digest), gets an answer that is never a 5xx and
always matches the document (status, content type, headers and body schema).

The signing hook is a WSGI layer in front of the app: it reads the request exactly as
it will reach the server, signs it with the member's key and passes it on, so every
operation — public ones too — is exercised past authentication."""

from __future__ import annotations

import io
import secrets
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from support import add_member, pdq_item, random_pdq

from clearinghouse.api import create_app
from clearinghouse.bootstrap import bootstrap
from clearinghouse.crypto import sign_request
from clearinghouse.crypto.sigbase import wsgi_target_uri

EXAMPLES = 15  # per operation: ~20 operations, a few hundred signed requests in all
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


class SigningHook:
    """Signs every request that reaches ``app`` with ``key``: a real member calling."""

    def __init__(self, app, key) -> None:
        self.app = app
        self.key = key

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else None
        environ["wsgi.input"] = io.BytesIO(body or b"")
        signed = sign_request(
            environ["REQUEST_METHOD"],
            wsgi_target_uri(environ),
            {},
            body,
            self.key,
            created=int(time.time()),
            nonce=secrets.token_hex(8),
        )
        for name, value in signed.items():
            environ["HTTP_" + name.upper().replace("-", "_")] = value
        return self.app(environ, start_response)


@pytest.fixture
def served(settings):
    """An app over a database holding one member (every role) and a few signals."""
    limits = {"rate_limit_lookups": 10**6, "rate_limit_statements": 10**6, "rate_limit_log": 10**6}
    root = bootstrap(settings.replace(**limits))
    app = create_app(root=root)
    alpha = add_member(root.db, app.test_client(), "alpha")
    assert alpha.state("submission", [pdq_item(random_pdq()) for _ in range(3)]).status_code == 201
    assert root.matcher.ready.wait(30)
    app.wsgi_app = SigningHook(app.wsgi_app, alpha.key)
    yield app
    root.close()


def test_every_answer_matches_the_document_and_none_is_a_5xx(served):
    schema = schemathesis.openapi.from_wsgi("/v1/openapi.json", served)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 18  # every route of the API is described
    for operation in operations:

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def exercise(case):
            case.call_and_validate(checks=CHECKS)

        exercise()
