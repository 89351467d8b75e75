"""Test helpers: members with generated keys, and signed requests through the test client."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from clearinghouse.crypto import SigningKey, sign_envelope, sign_request
from clearinghouse.services.use_cases import members
from clearinghouse.store.db import Database
from clearinghouse.wire import ENDPOINTS, PAYLOAD_TYPES


def now_rfc3339() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass
class TestMember:
    """A registered member and a signed-request client for it."""

    id: str
    key: SigningKey
    client: Any  # flask test client
    base: str = "http://localhost"

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        query: dict | None = None,
        key: SigningKey | None = None,
        created: int | None = None,
        headers: dict | None = None,
        tamper=None,
    ):
        """Send a signed request; ``tamper(method, path, headers, body)`` may alter it
        after signing."""
        url_path = path + ("?" + urlencode(query) if query else "")
        headers = dict(headers or {})
        if body is not None:
            headers["Content-Type"] = "application/json"
        signed = sign_request(
            method,
            self.base + url_path,
            headers,
            body,
            key or self.key,
            created=int(time.time()) if created is None else created,
            nonce=secrets.token_hex(8),
        )
        headers.update(signed)
        if tamper is not None:
            method, url_path, headers, body = tamper(method, url_path, headers, body)
        return self.client.open(url_path, method=method, headers=headers, data=body)

    def envelope(
        self,
        kind: str,
        items: list[dict],
        *,
        member: str | None = None,
        key: SigningKey | None = None,
        payload_type: str | None = None,
    ) -> bytes:
        payload = json.dumps(
            {"member": member or self.id, "created": now_rfc3339(), "items": items}
        ).encode()
        env = sign_envelope(payload_type or PAYLOAD_TYPES[kind], payload, key or self.key)
        return env.to_json()

    def state(self, kind: str, items: list[dict], **kw):
        """Sign and send one statement of ``kind``."""
        return self.request("POST", ENDPOINTS[kind], body=self.envelope(kind, items, **kw))


def add_member(
    db: Database, client, member_id: str, roles: str = "submitter,matcher,auditor"
) -> TestMember:
    key = SigningKey.generate()
    members.add_member(db, member_id, member_id.title(), roles, key.verify_key)
    return TestMember(member_id, key, client)


def pdq_item(hexvalue: str, labels=("behaviour:glorification-of-terrorist-acts",), **extra) -> dict:
    return {
        "signal_type": "pdq",
        "value": hexvalue,
        "quality": 90,
        "content_type": "image/jpeg",
        "labels": list(labels),
        **extra,
    }


def random_pdq() -> str:
    return secrets.token_hex(32)
