"""Merging the answers of a file's query variants (client/file_lookup.py)."""

from __future__ import annotations

from clearinghouse.client.file_lookup import Tag, merge_matches, queries_of


def test_queries_are_one_per_variant_and_one_per_other_line():
    lines = [
        {"signal_type": "pdq", "value": "a" * 64, "variants": [
            {"variant": "original", "value": "a" * 64, "quality": 90},
            {"variant": "flipx", "value": "b" * 64, "quality": 90},
        ]},
        {"signal_type": "md5", "value": "c" * 32},
        {"signal_type": "tmk", "value": "d" * 8},
    ]  # fmt: skip
    queries, tags = queries_of(lines, max_distance=20)
    assert [q["value"] for q in queries] == ["a" * 64, "b" * 64, "c" * 32, "d" * 8]
    # Digests and TMK take no max_distance: the server would refuse the whole request.
    assert [q.get("max_distance") for q in queries] == [20, 20, None, None]
    assert tags == [Tag(0, "original"), Tag(0, "flipx"), Tag(1, "original"), Tag(2, "original")]


def test_each_signal_once_at_its_nearest_variant():
    tags = [Tag(0, "original"), Tag(0, "trimmed"), Tag(0, "box-1"), Tag(1, "original")]
    results = [
        {"matches": [{"signal_id": 7, "distance": 20}, {"signal_id": 9, "distance": 30}]},
        {"matches": [{"signal_id": 7, "distance": 3, "via": "region"}]},
        {"matches": [{"signal_id": 7, "distance": 3, "via": "signal"}]},
        {"matches": []},
    ]
    merged = merge_matches(tags, results, 2)
    assert merged[1] == []
    assert [(m["signal_id"], m["distance"], m["variant"], m["via"]) for m in merged[0]] == [
        (7, 3, "box-1", "signal"),  # a direct match wins a tie with a region one
        (9, 30, "original", "signal"),  # "via" defaults to signal
    ]
