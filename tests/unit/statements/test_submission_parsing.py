"""Reading a statement and parsing its items, on fakes: a dictionary of the caller's
keys stands for the member table, the shipped signal types and taxonomy for the
process's own. No database is opened and no index is built: these are the checks a
statement passes before the log lock is taken (the whole path runs in
``tests/integration/statements``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from clearinghouse.crypto import SigningKey, VerifyKey, sign_envelope
from clearinghouse.errors import Forbidden, InvalidInput, LimitExceeded, VerificationError
from clearinghouse.services.adapters.caller import Caller
from clearinghouse.services.use_cases.statement_items import (
    FeedbackItem,
    RetractionItem,
    SubmissionItem,
    parse_items,
)
from clearinghouse.services.use_cases.statements import (
    StatementLimits,
    check_created,
    read_statement,
)
from clearinghouse.signals import default_registry
from clearinghouse.signals.taxonomy import default_taxonomy
from clearinghouse.wire import PAYLOAD_TYPES, iso

LABEL = "behaviour:glorification-of-terrorist-acts"
PDQ = "f" * 64
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LIMITS = StatementLimits(max_items=3, max_skew=60, max_age=3600)


class Keys:
    """The active keys of one member, as ``statements.member_keys`` resolves them."""

    def __init__(self, *keys: SigningKey) -> None:
        self.keys = {k.key_id: k.verify_key for k in keys}
        self.asked: list[str] = []

    def __call__(self, key_id: str) -> VerifyKey | None:
        self.asked.append(key_id)
        return self.keys.get(key_id)


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey.generate()


def _caller(key: SigningKey, member: str = "alpha") -> Caller:
    return Caller(member, key.key_id, frozenset({"submitter"}))


def _body(key: SigningKey, payload: object, kind: str = "submission") -> bytes:
    raw = json.dumps(payload).encode()
    return sign_envelope(PAYLOAD_TYPES[kind], raw, key).to_json()


def _payload(**fields) -> dict:
    return {"member": "alpha", "created": iso(NOW), "items": [{"x": 1}], **fields}


def _item(**fields) -> dict:
    base = {"signal_type": "pdq", "value": PDQ, "quality": 90, "content_type": "image/jpeg"}
    return {**base, "labels": [LABEL], **fields}


def test_a_statement_signed_by_the_callers_key_is_read(key):
    keys = Keys(key)
    body = _body(key, _payload(items=[_item()]))
    statement = read_statement(keys, LIMITS.max_items, "submission", _caller(key), body)
    assert (statement.kind, statement.member, statement.key_id) == (
        "submission",
        "alpha",
        key.key_id,
    )
    assert statement.items == [_item()] and statement.created == NOW
    assert keys.asked == [key.key_id]


def test_a_key_the_caller_does_not_hold_is_unknown(key):
    other = SigningKey.generate()
    body = _body(other, _payload())
    with pytest.raises(VerificationError):
        read_statement(Keys(key), LIMITS.max_items, "submission", _caller(key), body)


def test_the_payload_must_name_the_caller(key):
    body = _body(key, _payload(member="bravo"))
    with pytest.raises(Forbidden, match="names member 'bravo'"):
        read_statement(Keys(key), LIMITS.max_items, "submission", _caller(key), body)


def test_the_envelope_must_be_of_the_endpoints_kind(key):
    body = _body(key, _payload(), kind="retraction")
    with pytest.raises(InvalidInput, match="payloadType"):
        read_statement(Keys(key), LIMITS.max_items, "submission", _caller(key), body)


@pytest.mark.parametrize(
    "payload, message",
    [
        ({"member": "alpha", "items": [{}]}, "missing created"),
        ({**_payload(), "extra": 1}, "unexpected extra"),
        (_payload(items=[]), "non-empty list"),
        (_payload(items=[{}] * 4), "4 items; at most 3"),
        (_payload(created="yesterday"), "payload.created"),
        (_payload(created=17), "RFC 3339"),
        (_payload(member=["alpha"]), "payload.member"),
        ([1, 2], "JSON object"),
    ],
)
def test_a_malformed_payload_is_refused_before_any_item_is_read(key, payload, message):
    keys = Keys(key)
    with pytest.raises(InvalidInput, match=message):
        read_statement(keys, LIMITS.max_items, "submission", _caller(key), _body(key, payload))


def test_an_empty_body_is_refused_without_asking_for_keys(key):
    keys = Keys(key)
    with pytest.raises(InvalidInput, match="DSSE envelope"):
        read_statement(keys, LIMITS.max_items, "submission", _caller(key), b"")
    assert keys.asked == []


@pytest.mark.parametrize(
    "offset, refused",
    [
        (timedelta(seconds=60), False),
        (timedelta(seconds=61), True),
        (-timedelta(seconds=3600), False),
        (-timedelta(seconds=3601), True),
    ],
)
def test_the_statement_time_is_judged_by_the_limits(offset, refused):
    if refused:
        with pytest.raises(LimitExceeded, match=r"payload\.created"):
            check_created(NOW + offset, NOW, LIMITS)
    else:
        check_created(NOW + offset, NOW, LIMITS)


def test_a_submissions_items_are_parsed():
    [item] = parse_items(default_registry(), default_taxonomy(), "submission", [_item(note="n")])
    assert isinstance(item, SubmissionItem)
    assert (item.signal.signal_type, item.signal.value) == ("pdq", PDQ)
    assert (item.labels, item.content_type, item.note) == ((LABEL,), "image/jpeg", "n")


def test_retraction_and_feedback_items_are_parsed():
    registry, taxonomy = default_registry(), default_taxonomy()
    ref = {"signal_type": "pdq", "value": PDQ}
    [gone] = parse_items(registry, taxonomy, "retraction", [{**ref, "reason": "mistake"}])
    assert isinstance(gone, RetractionItem) and gone.reason == "mistake"
    [said] = parse_items(
        registry, taxonomy, "feedback", [{**ref, "verdict": "agree", "reason": "seen"}]
    )
    assert isinstance(said, FeedbackItem) and (said.verdict, said.reason) == ("agree", "seen")
    assert said.digest == gone.digest  # the same signal, named by the same digest


def test_every_bad_item_is_listed_at_once():
    items = [
        _item(),
        _item(labels=["no:such-label"], content_type="text/x-nope"),
        _item(colour="red"),
        _item(),  # the same signal as item 0
        _item(value="zz", labels=[]),
    ]
    with pytest.raises(InvalidInput) as refused:
        parse_items(default_registry(), default_taxonomy(), "submission", items)
    found = {(e["index"], e["field"]) for e in refused.value.errors}
    assert {(1, "labels[0]"), (1, "content_type"), (2, "colour"), (3, "value")} <= found
    assert any(index == 4 for index, _ in found)
    assert not any(index == 0 for index, _ in found)


@pytest.mark.parametrize(
    "kind, item, field",
    [
        ("retraction", {"signal_type": "pdq", "value": PDQ}, "reason"),
        ("feedback", {"signal_type": "pdq", "value": PDQ, "reason": "r"}, "verdict"),
        ("feedback", {"signal_type": "pdq", "value": PDQ, "verdict": "maybe"}, "verdict"),
        ("retraction", {"signal_type": "pdq", "value": PDQ, "reason": "r", "labels": []}, "labels"),
        ("submission", _item(note="two\nlines"), "note"),
    ],
)
def test_each_kind_has_its_own_fields(kind, item, field):
    with pytest.raises(InvalidInput) as refused:
        parse_items(default_registry(), default_taxonomy(), kind, [item])
    assert field in {e["field"] for e in refused.value.errors}
