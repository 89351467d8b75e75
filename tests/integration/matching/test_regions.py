"""Region hashes on the server (DESIGN §15): validated like any PDQ, indexed as aliases of
their item's signal, gone with its retraction, rebuilt from the log, shown to nobody."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import func, select
from support import add_member, pdq_item, random_pdq

from clearinghouse.bootstrap import bootstrap
from clearinghouse.index.generations import current_generation
from clearinghouse.services.use_cases import log_check
from clearinghouse.services.use_cases.matching import Query
from clearinghouse.signals.types import Signal
from clearinghouse.store.models import LogEntry, SignalRegion
from clearinghouse.store.models import Signal as SignalRow
from clearinghouse.wire import REGIONS_PER_ITEM_LIMIT

LABEL = "behaviour:glorification-of-terrorist-acts"


def flip(hexvalue: str, bits) -> str:
    n = int(hexvalue, 16)
    for b in bits:
        n ^= 1 << b
    return f"{n:064x}"


@pytest.fixture
def member(db, client):
    return add_member(db, client, "alpha")


def regions(n: int, quality: int = 80) -> list[dict]:
    return [{"pdq": random_pdq(), "quality": quality} for _ in range(n)]


def match(member, value, **extra) -> list[dict]:
    body = json.dumps({"queries": [{"signal_type": "pdq", "value": value, **extra}]})
    r = member.request("POST", "/v1/match", body=body.encode())
    assert r.status_code == 200, r.json
    return r.json["results"][0]["matches"]


def test_a_region_match_names_its_signal_and_nothing_of_the_region(member):
    value, ladder = random_pdq(), regions(REGIONS_PER_ITEM_LIMIT)  # a full ladder
    r = member.state("submission", [pdq_item(value, regions=ladder)])
    assert r.status_code == 201, r.json
    [item] = r.json["items"]
    near_region = flip(ladder[-1]["pdq"], range(7))  # the last slot: signal_id * 16 + 15
    [found] = match(member, near_region)
    assert found["signal_id"] == item["signal_id"] and found["value"] == value
    assert found["distance"] == 7 and found["via"] == "region"
    text = json.dumps(found)
    assert all(region["pdq"] not in text for region in ladder)
    # The signal's own code still matches as itself.
    [direct] = match(member, flip(value, [0, 1]))
    assert (direct["signal_id"], direct["distance"], direct["via"]) == (
        item["signal_id"],
        2,
        "signal",
    )


def test_a_signal_near_through_its_code_and_a_region_is_listed_once(member):
    value = random_pdq()
    ladder = [{"pdq": flip(value, range(3)), "quality": 70}]
    member.state("submission", [pdq_item(value, regions=ladder)])
    [found] = match(member, flip(value, range(10)))  # 10 from the signal, 7 from the region
    assert (found["distance"], found["via"]) == (7, "region")


def test_every_code_within_the_distance_is_returned_against_a_brute_force_scan(member):
    """The twin: the answer equals a scan of every signal code and every region code."""
    base = random_pdq()
    stored = []
    for n in range(20):
        value = flip(base, range(n * 3, n * 3 + 20)) if n % 2 else random_pdq()
        ladder = [{"pdq": flip(base, range(n, n + k)), "quality": 60} for k in (5, 25, 45)]
        stored.append((value, ladder))
    items = [pdq_item(v, regions=ladder) for v, ladder in stored]
    r = member.state("submission", items)
    assert r.status_code == 201, r.json
    ids = [i["signal_id"] for i in r.json["items"]]

    def hamming(a, b):
        return bin(int(a, 16) ^ int(b, 16)).count("1")

    for max_distance in (0, 10, 31, 60):
        expected = {}
        for sid, (value, ladder) in zip(ids, stored, strict=True):
            codes = [(hamming(base, value), "signal")] + [
                (hamming(base, region["pdq"]), "region") for region in ladder
            ]
            best = min(codes, key=lambda dv: (dv[0], dv[1] != "signal"))
            if best[0] <= max_distance:
                expected[sid] = best
        got = {m["signal_id"]: (m["distance"], m["via"]) for m in
               match(member, base, max_distance=max_distance)}  # fmt: skip
        assert got == expected


BAD_REGIONS = [
    ("not a list", {"pdq": random_pdq(), "quality": 80}, "expected a list"),
    ("too many", regions(REGIONS_PER_ITEM_LIMIT + 1), f"at most {REGIONS_PER_ITEM_LIMIT}"),
    ("low quality", regions(1, quality=49), "below the minimum"),
    ("quality missing", [{"pdq": random_pdq()}], "needs pdq and quality"),
    ("bad hex", [{"pdq": "zz" * 32, "quality": 80}], "region 0"),
    ("short", [{"pdq": "ab" * 16, "quality": 80}], "region 0"),
    ("unknown field", [{"pdq": random_pdq(), "quality": 80, "box": [0, 0, 1, 1]}], "unknown"),
    ("twice", [{"pdq": "ab" * 32, "quality": 80}] * 2, "same PDQ"),
    ("quality out of range", [{"pdq": random_pdq(), "quality": 101}], "region 0"),
]


@pytest.mark.parametrize(("case", "bad", "reason"), BAD_REGIONS, ids=[c[0] for c in BAD_REGIONS])
def test_bad_regions_are_refused_and_nothing_is_stored(db, member, case, bad, reason):
    before = _counts(db)
    good = pdq_item(random_pdq(), regions=regions(2))
    r = member.state("submission", [good, pdq_item(random_pdq(), regions=bad)])
    assert r.status_code == 400, r.json
    [error] = r.json["errors"]
    assert error["index"] == 1 and error["field"] == "regions" and reason in error["reason"]
    assert _counts(db) == before


def test_only_pdq_items_carry_regions(db, member):
    before = _counts(db)
    item = {"signal_type": "md5", "value": "ab" * 16, "content_type": "video/mp4",
            "labels": [LABEL], "regions": regions(1)}  # fmt: skip
    r = member.state("submission", [item])
    assert r.status_code == 400 and "only PDQ" in r.json["errors"][0]["reason"]
    assert _counts(db) == before


def _counts(db):
    with db.read() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(t))
            for t in (SignalRow, SignalRegion, LogEntry)
        )


def test_a_retraction_removes_the_aliases_in_another_process_at_its_next_poll(member, settings):
    value, ladder = random_pdq(), regions(3)
    member.state("submission", [pdq_item(value, regions=ladder)])
    other = bootstrap(settings)  # another serving process on the same database
    try:
        other.matcher.load()
        query = Query(Signal("pdq", ladder[1]["pdq"], 90), 0)
        assert [sid for sid, _ in other.matcher.search(query)] != []
        r = member.state("retraction", [{"signal_type": "pdq", "value": value, "reason": "x"}])
        assert r.status_code == 201, r.json
        assert match(member, ladder[1]["pdq"]) == []  # at once where it was acknowledged
        # The other process polls every CLEARINGHOUSE_INDEX_POLL_INTERVAL (≤ 1 s).
        assert settings.index_poll_interval <= 1
        other.follower.poll()
        assert other.matcher.search(query) == []
        # A resubmission brings the signal back with the regions it was created with.
        member.state("submission", [pdq_item(value)])
        other.follower.poll()
        assert other.matcher.search(query) != []
    finally:
        other.close()


def test_a_restart_from_snapshots_has_the_regions(matcher, member, settings):
    value, ladder = random_pdq(), regions(2)
    member.state("submission", [pdq_item(value, regions=ladder)])
    matcher.catch_up()
    if matcher.write_generation() is None:  # its follower is writing one: wait
        for _ in range(500):
            if current_generation(settings.effective_snapshot_dir) is not None:
                break
            time.sleep(0.02)
    restarted = bootstrap(settings)
    try:
        restarted.matcher.load()
        assert restarted.matcher.loaded_from == "snapshot"
        assert restarted.matcher.search(Query(Signal("pdq", ladder[0]["pdq"], 90), 0)) != []
        assert len(restarted.matcher.regions) == 2  # counted in the index's size and memory
        assert restarted.matcher.regions.memory_bytes > 0
    finally:
        restarted.close()


def test_the_log_implies_the_regions_and_db_check_sees_a_changed_one(db, registry, member):
    member.state("submission", [pdq_item(random_pdq(), regions=regions(4))])
    member.state("submission", [pdq_item(random_pdq())])
    assert log_check.check(db, registry) == []
    with db.write() as session:
        row = session.scalars(select(SignalRegion).where(SignalRegion.slot == 2)).one()
        row.code = bytes(32)
    [problem] = log_check.check(db, registry)
    assert "regions of signal" in problem and "other values" in problem
    assert "00" * 32 not in problem  # counts only, never region values
