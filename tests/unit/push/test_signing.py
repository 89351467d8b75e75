"""Our Standard Webhooks signatures, checked by the reference library (PyPI
``standardwebhooks``), not only by our own code."""

import time

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from clearinghouse.services.adapters.webhook_signing import (
    new_secret,
    new_webhook_id,
    webhook_headers,
)


def test_the_library_verifies_what_we_sign():
    secret, body = new_secret(), b'{"type":"signal.created","timestamp":"x","data":{}}'
    headers = webhook_headers(secret, new_webhook_id(), int(time.time()), body)
    assert Webhook(secret).verify(body, headers)["type"] == "signal.created"


@pytest.mark.parametrize("what", ["body", "id", "timestamp", "secret"])
def test_the_library_refuses_anything_changed(what):
    secret, body, wid, now = new_secret(), b'{"a":1}', new_webhook_id(), int(time.time())
    headers = webhook_headers(secret, wid, now, body)
    if what == "body":
        body = b'{"a":2}'
    elif what == "id":
        headers["webhook-id"] = new_webhook_id()
    elif what == "timestamp":
        headers["webhook-timestamp"] = str(now - 1)
    else:
        secret = new_secret()
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, headers)


def test_secrets_and_ids_are_fresh_and_well_formed():
    secrets = {new_secret() for _ in range(50)}
    assert len(secrets) == 50 and all(s.startswith("whsec_") for s in secrets)
    assert len({new_webhook_id() for _ in range(50)}) == 50
