"""Stored fetch records and checkpoints survive pickling across versions; credentials and
signal type names convert as documented."""

from __future__ import annotations

import base64
import dataclasses
import json
import pickle

import pytest
from threatexchange.exchanges.fetch_state import AggregateSignalOpinionCategory as Agg

from clearinghouse.exchange import (
    ClearinghouseCheckpoint,
    ClearinghouseCredentials,
    ClearinghouseSignalExchangeAPI,
    ClearinghouseSignalMetadata,
)
from clearinghouse.exchange.signal_types import from_library, to_library

# A record as an earlier layout of the class pickled it, before content_types, is_mine and
# server_url existed: these bytes stand for what an HMA database may already hold.
OLD_RECORD = (
    b"\x80\x04\x95\xb2\x00\x00\x00\x00\x00\x00\x00\x8c\x1eclearinghouse.exchange.rec"
    b"ords\x94\x8c\x1bClearinghouseSignalMetadata\x94\x93\x94)\x81\x94}\x94(\x8c\tsi"
    b"gnal_id\x94K\x07\x8c\x0bsignal_type\x94\x8c\x03pdq\x94\x8c\x05value\x94\x8c"
    b"\x02ff\x94\x8c\x06labels\x94\x8c\x01x\x94\x85\x94\x8c\x0ccontributors\x94K\x02"
    b"\x8c\tconfirmed\x94\x88\x8c\x08disputed\x94\x89ub."
)


def _pickled_without(obj, *fields: str) -> bytes:
    """The pickle an older class without ``fields`` would have written."""
    state = dict(obj.__dict__)
    for name in fields:
        state.pop(name)
    clone = object.__new__(type(obj))
    clone.__dict__.update(state)
    return pickle.dumps(clone)


def test_an_old_record_pickle_loads_with_defaults_for_new_fields():
    record = pickle.loads(OLD_RECORD)
    assert (record.signal_id, record.signal_type, record.labels) == (7, "pdq", ("x",))
    assert record.confirmed and record.is_mine is False and record.content_types == ()
    assert record.get_as_aggregate_opinion().category == Agg.POSITIVE_CLASS


ROOT = base64.b64encode(b"r" * 32).decode()


def test_an_old_checkpoint_loads_and_a_newer_ones_extra_fields_are_dropped():
    cp = ClearinghouseCheckpoint("5.3", 1_700_000_000, 9, ROOT, "vkey")
    old = pickle.loads(_pickled_without(cp, "log_key", "checkpoint_time"))
    assert (old.cursor, old.tree_size, old.log_key, old.checkpoint_time) == ("5.3", 9, "", None)
    newer = object.__new__(ClearinghouseCheckpoint)
    newer.__dict__.update(cp.__dict__, future_field=1)
    loaded = pickle.loads(pickle.dumps(newer))
    assert loaded == cp and not hasattr(loaded, "future_field")


def test_a_checkpoint_pickled_with_a_bytes_root_loads_with_the_root_as_text():
    # Before checkpoints were JSON data, the root was bytes: the CLI's state files hold that.
    cp = ClearinghouseCheckpoint("5.3", 1_700_000_000, 9, ROOT, "vkey")
    old = object.__new__(ClearinghouseCheckpoint)
    old.__dict__.update(cp.__dict__, root_hash=b"r" * 32)
    loaded = pickle.loads(pickle.dumps(old))
    assert loaded == cp and loaded.root == b"r" * 32


@pytest.mark.parametrize(
    "checkpoint",
    [
        ClearinghouseCheckpoint(),
        ClearinghouseCheckpoint("5.3", 1_700_000_000, 9, ROOT, "ch.test/log+0a1b2c3d+AQ", "f=1"),
        ClearinghouseCheckpoint(None, None, 1, ROOT),
    ],
)
def test_a_checkpoint_is_json_data_and_comes_back_the_way_hma_stores_it(checkpoint):
    from threatexchange.utils import dataclass_json

    # HMA's ExchangeFetchStatus.set_checkpoint / as_checkpoint, with the JSON column's
    # json.dumps / json.loads in between.
    stored = json.dumps(dataclass_json.dataclass_dump_dict(checkpoint))
    again = dataclass_json.dataclass_load_dict(json.loads(stored), ClearinghouseCheckpoint)
    assert again == checkpoint and again.get_progress_timestamp() == checkpoint.checkpoint_time
    # The plain dataclasses way, and strings and numbers only.
    data = json.loads(json.dumps(dataclasses.asdict(checkpoint)))
    assert ClearinghouseCheckpoint(**data) == checkpoint
    assert all(isinstance(v, str | int | type(None)) for v in data.values())


def test_a_bytes_root_given_to_the_constructor_is_kept_as_base64():
    assert ClearinghouseCheckpoint(tree_size=9, root_hash=b"r" * 32).root_hash == ROOT


def test_log_identity_is_the_origin_and_key_hash_of_the_vkey():
    from clearinghouse.exchange.records import log_identity

    assert log_identity("ch.test/log+0a1b2c3d+AQID") == "ch.test/log+0a1b2c3d"
    assert log_identity("") == "" and log_identity("no-plus") == ""


def test_opinions_follow_confirmation_and_dispute():
    seed = ClearinghouseSignalMetadata(signal_id=1, labels=("a",))
    assert seed.get_as_aggregate_opinion().category == Agg.INVESTIGATION_SEED
    mine = ClearinghouseSignalMetadata(signal_id=1, confirmed=True, is_mine=True)
    assert [o.is_mine for o in mine.get_as_opinions()] == [True]
    disputed = ClearinghouseSignalMetadata(signal_id=1, confirmed=True, disputed=True)
    assert disputed.get_as_aggregate_opinion().category == Agg.DISPUTED


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"member": "m"}',
        '{"member": "m", "key_path": "k", "extra": 1}',
        '{"member": "", "key_path": "k"}',
    ],
)
def test_bad_credentials_are_refused_with_the_variable_named(monkeypatch, text):
    from threatexchange.exchanges.auth import SignalExchangeAPIInvalidAuthException

    monkeypatch.setenv("TX_CLEARINGHOUSE_CREDENTIALS", text)
    with pytest.raises(SignalExchangeAPIInvalidAuthException) as caught:
        ClearinghouseCredentials.get(ClearinghouseSignalExchangeAPI)
    assert "TX_CLEARINGHOUSE_CREDENTIALS" in caught.value.message


def test_credentials_from_the_environment(monkeypatch):
    monkeypatch.setenv(
        "TX_CLEARINGHOUSE_CREDENTIALS", json.dumps({"member": "m", "key_path": "/k.pem"})
    )
    creds = ClearinghouseCredentials.get(ClearinghouseSignalExchangeAPI)
    assert (creds.member, creds.key_path) == ("m", "/k.pem")


def test_signal_types_map_both_ways_and_unknown_ones_are_skipped():
    assert to_library("pdq", "AB" * 32) == ("pdq", "AB" * 32)
    assert to_library("md5", "ab" * 16, ["video/mp4"]) == ("video_md5", "ab" * 16)
    assert to_library("sha256", "ab" * 32, ["image/png", "video/webm"]) == (
        "video_sha256",
        "ab" * 32,
    )
    # The library has digest types for videos only: an image's digest is skipped.
    assert to_library("md5", "ab" * 16, ["image/png"]) is None
    assert to_library("sha256", "ab" * 32) is None
    assert to_library("tmk", "x") is None
    assert to_library("sha512", "ab" * 64, ["video/mp4"]) is None
    frames = [{"pdq": "ab" * 32, "quality": 90, "timestamp": 0.5}] * 2
    name, text = to_library("vpdq", json.dumps(frames))
    # The vPDQ extension's form: a JSON list of "<pdq hex>,<quality>,<seconds>".
    assert (name, json.loads(text)) == ("vpdq", [f"{'ab' * 32},90,0.5"] * 2)
    assert from_library(name, text) == ("vpdq", frames)
    with pytest.raises(ValueError):
        from_library("vpdq", json.dumps([f"{'ab' * 32},90"]))
    assert from_library("video_md5", " AB" * 1 + "ab" * 15) == ("md5", ("ab" * 16))
    with pytest.raises(ValueError, match="no counterpart"):
        from_library("url", "https://example.org")
