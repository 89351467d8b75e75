"""What a reader is shown of an entry: hash values, notes and reasons only to a viewer
with the auditor or matcher role."""

from __future__ import annotations

import base64
import json

import pytest

from clearinghouse.services.read_models.site_pages import PUBLIC, Viewer, describe_entry

VALUE = "ab" * 32


def _entry() -> bytes:
    payload = {
        "member": "alice",
        "created": "2026-11-29T00:00:00Z",
        "items": [
            {
                "signal_type": "pdq",
                "value": VALUE,
                "quality": 90,
                "content_type": "image/jpeg",
                "labels": ["behaviour:glorification-of-terrorist-acts"],
                "note": "private note",
            }
        ],
    }
    envelope = {
        "payloadType": "application/vnd.clearinghouse.submission+json",
        "payload": base64.b64encode(json.dumps(payload).encode()).decode(),
        "signatures": [{"keyid": "k", "sig": "c2ln"}],
    }
    return json.dumps(
        {
            "type": "submission",
            "time": "2026-11-29T00:00:01.000Z",
            "member": "alice",
            "key_id": "k",
            "envelope": envelope,
        }
    ).encode()


@pytest.mark.parametrize(
    "viewer",
    [PUBLIC, Viewer("carol", frozenset({"submitter"}))],
)
def test_values_and_notes_are_hidden(viewer):
    shown = describe_entry(_entry(), viewer)
    assert shown["member"] == "alice" and len(shown["items"]) == 1
    assert shown["items"][0]["labels"] == ["behaviour:glorification-of-terrorist-acts"]
    text = json.dumps(shown)
    assert VALUE not in text and "private note" not in text


@pytest.mark.parametrize("role", ["auditor", "matcher"])
def test_values_and_notes_are_shown_to_auditors_and_matchers(role):
    shown = describe_entry(_entry(), Viewer("dave", frozenset({role})))
    assert shown["items"][0]["value"] == VALUE
    assert shown["items"][0]["note"] == "private note"


def test_a_membership_entry_shows_its_facts():
    data = json.dumps(
        {
            "type": "member_added",
            "time": "t",
            "member": "bob",
            "roles": ["matcher"],
            "public_key": "AAAA",
            "key_id": "k",
        }
    ).encode()
    shown = describe_entry(data, PUBLIC)
    assert shown["facts"] == {"roles": "matcher"} and shown["items"] == []
