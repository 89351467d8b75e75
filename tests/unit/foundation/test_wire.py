"""Each wire fact has one home, ``clearinghouse/wire.py``, and every side reads it there:
the server's settings and registry, the OpenAPI document, the SDK and the command line."""

from __future__ import annotations

import ast
import base64
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from clearinghouse import wire
from clearinghouse.config import Settings
from clearinghouse.signals import DEFAULT_MAX_DISTANCES, MAX_DISTANCE_CEILINGS, default_registry

from .sources import PACKAGE, python_files, walked

# Integer literals equal to a wire limit that are about something else, with the reason.
UNRELATED_LIMIT_LITERALS = {
    ("services/use_cases/log_check.py", 1_000),  # entries read per database query by `db check`
    ("client/audit/findings.py", 1_000),  # problems an audit report lists before it stops
    ("api/metrics.py", 1000),  # seconds to milliseconds
    ("cli/demo_media.py", 1000),  # the side of the demo's generated photograph, in pixels
}
LIMITS = {1_000, 10_000}


def _modules():
    for path in python_files():
        rel = path.relative_to(PACKAGE).as_posix()
        if rel != "wire.py" and not rel.startswith("store/migrations/"):
            yield rel, path


def test_no_module_keeps_its_own_copy_of_a_wire_limit():
    found = {
        (rel, node.value)
        for rel, tree in _modules()
        for node in walked(tree)
        if isinstance(node, ast.Constant) and type(node.value) is int and node.value in LIMITS
    }
    assert found - UNRELATED_LIMIT_LITERALS == set()


def test_base64_is_encoded_and_decoded_in_wire_only():
    importers = sorted(
        rel
        for rel, tree in _modules()
        for node in walked(tree)
        if (isinstance(node, ast.Import) and any(a.name == "base64" for a in node.names))
        or (isinstance(node, ast.ImportFrom) and node.module == "base64")
    )
    assert importers == []


def test_payload_types_are_spelled_in_wire_only():
    spelled = sorted(
        rel
        for rel, tree in _modules()
        for node in walked(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and "vnd.clearinghouse." in node.value
    )
    assert spelled == []


def test_the_registry_knows_exactly_the_wire_signal_types():
    assert set(default_registry().names) == set(wire.SIGNAL_TYPES)
    assert set(DEFAULT_MAX_DISTANCES) == set(wire.SIGNAL_TYPES)
    assert set(MAX_DISTANCE_CEILINGS) == set(wire.SIGNAL_TYPES)
    assert len(set(wire.SIGNAL_TYPES)) == len(wire.SIGNAL_TYPES)


def test_settings_default_to_the_wire_limits():
    settings = Settings()
    assert settings.max_match_queries == wire.MATCH_QUERIES_LIMIT
    assert settings.max_statement_items == wire.STATEMENT_ITEMS_LIMIT
    assert settings.vpdq_max_frames == wire.VPDQ_FRAMES_LIMIT
    assert settings.vpdq_max_query_frames == wire.VPDQ_QUERY_FRAMES_LIMIT
    assert default_registry().get("vpdq").max_frames == wire.VPDQ_FRAMES_LIMIT


def test_the_openapi_document_states_the_wire_limits():
    from clearinghouse.api.openapi import document

    doc = document()
    params = {
        p["name"]: p["schema"]
        for path in doc["paths"].values()
        for op in path.values()
        for p in op.get("parameters", [])
    }
    schemas = doc["components"]["schemas"]
    assert params["limit"]["maximum"] == wire.FEED_PAGE_LIMIT
    assert params["key_id"]["pattern"] == f"^{wire.KEY_ID.pattern}$"
    assert schemas["MatchRequest"]["properties"]["queries"]["maxItems"] == (
        wire.MATCH_QUERIES_LIMIT
    )
    assert schemas["LogEntries"]["properties"]["entries"]["maxItems"] == wire.LOG_ENTRIES_LIMIT


def test_the_sdk_and_the_audit_page_by_the_wire_limits():
    from clearinghouse.client import MAX_ITEMS
    from clearinghouse.client.audit import PAGE
    from clearinghouse.exchange.api import PAGE_SIZE

    assert MAX_ITEMS == wire.STATEMENT_ITEMS_LIMIT
    assert PAGE == wire.LOG_ENTRIES_LIMIT
    assert PAGE_SIZE == wire.FEED_PAGE_LIMIT


def test_every_statement_kind_has_a_payload_type_an_endpoint_a_role_and_an_entry_type():
    kinds = set(wire.PAYLOAD_TYPES)
    assert kinds == set(wire.ENDPOINTS) == set(wire.STATEMENT_ROLES)
    assert kinds <= wire.ENTRY_TYPES
    assert set(wire.STATEMENT_ROLES.values()) <= set(wire.ROLES)


@pytest.mark.parametrize("raw", [b"", b"\x00", b"ab", b"\xff" * 32, bytes(range(256))])
def test_base64_round_trips(raw):
    text = wire.b64encode(raw)
    assert text == base64.b64encode(raw).decode()
    assert wire.b64decode(text) == raw


@pytest.mark.parametrize(
    "text",
    [
        "YW=",  # bad padding
        "YWI",  # padding missing
        "YW Jj",  # a space
        "YWJj\n",  # a line break
        "-_8=",  # the URL-safe alphabet
        "YWJj√",  # not ASCII
    ],
)
def test_base64_decoding_refuses_anything_but_standard_padded_base64(text):
    with pytest.raises(ValueError):
        wire.b64decode(text)


def test_base64_decoding_refuses_what_is_not_text():
    with pytest.raises(ValueError):
        wire.b64decode(b"YWJj")  # type: ignore[arg-type]


def test_times_are_written_to_the_millisecond_in_utc_and_read_back():
    moment = datetime(2026, 3, 4, 5, 6, 7, 891_000, tzinfo=timezone(timedelta(hours=2)))
    text = wire.iso(moment)
    assert text == "2026-03-04T03:06:07.891Z"
    assert wire.parse_time(text) == moment
    assert wire.parse_time("2026-03-04T05:06:07+02:00") == moment.replace(microsecond=0)


def test_a_naive_time_is_utc_whatever_the_local_zone(monkeypatch):
    """SQLite hands back stored UTC times without their offset; answers must not shift
    them by the server's time zone."""
    monkeypatch.setenv("TZ", "America/Sao_Paulo")
    time.tzset()
    try:
        assert wire.iso(datetime(2026, 3, 4, 5, 6, 7, 891_000)) == "2026-03-04T05:06:07.891Z"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_now_has_the_precision_of_entry_times():
    now = wire.utcnow()
    assert now.tzinfo is UTC and now.microsecond % 1000 == 0
    assert wire.parse_time(wire.iso(now)) == now


@pytest.mark.parametrize("text", ["2026-03-04T05:06:07", "yesterday", ""])
def test_a_time_without_a_zone_or_not_a_time_is_refused(text):
    with pytest.raises(ValueError):
        wire.parse_time(text)


def test_every_sniffed_media_type_is_an_accepted_content_type():
    from clearinghouse.signals.hashing import sniff as sniffing

    sniffed = {t for _, _, t in sniffing._PREFIXES} | set(sniffing._IMAGE_BRANDS.values())
    sniffed |= {"image/webp", "video/x-msvideo", "video/quicktime", "video/mp4", "video/webm"}
    sniffed |= {"video/mp2t", "video/ogg", "application/octet-stream"}
    assert sniffed <= wire.CONTENT_TYPES
    assert all(t == t.lower() and t.count("/") == 1 for t in wire.CONTENT_TYPES)
