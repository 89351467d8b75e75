"""TMK+PDQF and SHA-512 through the API: submit, feed, lookup, refusals.

The ``.tmk`` files are the reference's own (tests/vectors/tmk/); where the reference
binaries are installed (``TMK_REFERENCE_DIR``), the file read back from the
feed is also scored by the reference against itself.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from support import add_member

from clearinghouse.store.models import Base

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "tmk"
LABEL = "behaviour:glorification-of-terrorist-acts"


def tmk_text(name: str) -> str:
    return base64.b64encode((VECTORS / f"{name}.tmk").read_bytes()).decode()


def tmk_item(name: str) -> dict:
    return {"signal_type": "tmk", "value": tmk_text(name), "content_type": "video/mp4",
            "labels": [LABEL]}  # fmt: skip


def _json(obj) -> bytes:
    return json.dumps(obj).encode()


def counts(db) -> dict[str, int]:
    with db.read() as s:
        return {
            t.name: s.scalar(select(func.count()).select_from(t))
            for t in Base.metadata.sorted_tables
            if t.name != "replay_cache"
        }


@pytest.fixture
def member(db, client):
    return add_member(db, client, "alpha")


def _feed(member) -> list[dict]:
    r = member.request("GET", "/v1/signals", query={"limit": 1000})
    assert r.status_code == 200, r.json
    return r.json["signals"]


def test_a_reference_file_comes_back_from_the_feed_byte_for_byte(member, tmp_path):
    r = member.state("submission", [tmk_item("pan")])
    assert r.status_code == 201, r.json
    [signal] = [s for s in _feed(member) if s["signal_type"] == "tmk"]
    raw = base64.b64decode(signal["value"], validate=True)
    assert raw == (VECTORS / "pan.tmk").read_bytes()
    binaries = os.environ.get("TMK_REFERENCE_DIR")
    if binaries and (Path(binaries) / "tmk-two-level-score").exists():
        (tmp_path / "a.tmk").write_bytes(raw)
        shutil.copy(tmp_path / "a.tmk", tmp_path / "b.tmk")
        out = subprocess.run(
            [str(Path(binaries) / "tmk-two-level-score"), "--c1", "-1", "--c2", "0",
             "a.tmk", "b.tmk"],
            check=True, capture_output=True, text=True, cwd=tmp_path,
        ).stdout.split()  # fmt: skip
        assert (float(out[0]), float(out[1])) == (1.0, 1.0)


def test_variants_match_with_both_scores_and_distinct_videos_do_not(member):
    names = ["pan", "cuts", "fades"]
    assert member.state("submission", [tmk_item(n) for n in names]).status_code == 201
    reference = json.loads((VECTORS / "reference_scores.json").read_text())
    queries = [{"signal_type": "tmk", "value": tmk_text(n)} for n in ("pan-half", "pan-trim2s")]
    r = member.request("POST", "/v1/match", body=_json({"queries": queries}))
    assert r.status_code == 200, r.json
    for query, result in zip(("pan-half", "pan-trim2s"), r.json["results"], strict=True):
        [match] = result["matches"]
        assert match["value"] == tmk_text("pan")
        expected = reference["|".join(sorted(("pan", query)))]
        assert match["level1_score"] == pytest.approx(expected["level1"], abs=1e-4)
        assert match["level2_score"] == pytest.approx(expected["level2"], abs=1e-4)
        assert match["distance"] == round(1000 * (1 - match["level2_score"]))
    # A stricter lookup leaves out the trimmed copy (level 2: 0.9725 by the reference).
    strict = [{**queries[1], "level1_threshold": 0.9, "level2_threshold": 0.98}]
    r = member.request("POST", "/v1/match", body=_json({"queries": strict}))
    assert r.json["results"][0]["matches"] == []
    r = member.request("GET", "/v1/match", query={"signal_type": "tmk", "value": tmk_text("cuts")})
    assert [m["value"] for m in r.json["results"][0]["matches"]] == [tmk_text("cuts")]
    one = {"signal_type": "tmk", "value": tmk_text("pan-trim2s"), "level2_threshold": "0.98"}
    r = member.request("GET", "/v1/match", query=one)
    assert r.status_code == 200 and r.json["results"][0]["matches"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"level1_threshold": 0.1}, "level1_threshold"),
        ({"level2_threshold": 2}, "level2_threshold"),
        ({"max_distance": 3}, "max_distance"),
        ({"value": tmk_text("pan")[:-8]}, "value"),
    ],
)
def test_bad_lookups_are_refused_naming_the_field(member, query, field):
    body = {"queries": [{"signal_type": "tmk", "value": tmk_text("pan"), **query}]}
    r = member.request("POST", "/v1/match", body=_json(body))
    assert r.status_code == 400
    assert any(e.get("field") == field for e in r.json["errors"]), r.json


def test_thresholds_are_for_tmk_only(member):
    body = {"queries": [{"signal_type": "md5", "value": "0" * 32, "level1_threshold": 0.8}]}
    r = member.request("POST", "/v1/match", body=_json(body))
    assert r.status_code == 400 and "only tmk" in json.dumps(r.json)


def _bad_files() -> dict[str, tuple[str, str]]:
    raw = (VECTORS / "pan.tmk").read_bytes()
    b64 = lambda data: base64.b64encode(data).decode()  # noqa: E731
    return {
        "truncated": (b64(raw[:-1000]), "value"),
        "oversized": (b64(raw + b"\0" * 4), "value"),
        "header-only": (b64(raw[:32]), "value"),
        "wrong-algorithm": (b64(raw[:8] + b"PDQX" + raw[12:]), "value.algorithm"),
        "zero-frames": (b64(raw[:28] + b"\0\0\0\0" + raw[32:]), "value.frame_feature_count"),
        "not-base64": ("%%%", "value"),
    }


@pytest.mark.parametrize("case", sorted(_bad_files()))
def test_bad_tmk_files_are_refused_and_nothing_is_stored(db, member, case):
    value, field = _bad_files()[case]
    before = counts(db)
    good = tmk_item("cuts")
    r = member.state("submission", [good, {**good, "value": value}])
    assert r.status_code == 400, r.json
    assert r.json["errors"] == [
        {"index": 1, "field": field, "reason": r.json["errors"][0]["reason"]}
    ]
    assert counts(db) == before


def test_sha512_is_submitted_and_looked_up_exactly(member):
    data = b"a video's bytes"
    value = hashlib.sha512(data).hexdigest()
    item = {"signal_type": "sha512", "value": value.upper(), "content_type": "video/mp4",
            "labels": [LABEL]}  # fmt: skip
    assert member.state("submission", [item]).status_code == 201
    r = member.request("GET", "/v1/match", query={"signal_type": "sha512", "value": value})
    assert [m["value"] for m in r.json["results"][0]["matches"]] == [value]
    other = hashlib.sha512(b"other").hexdigest()
    r = member.request("GET", "/v1/match", query={"signal_type": "sha512", "value": other})
    assert r.json["results"][0]["matches"] == []
    assert any(s.get("value") == value for s in _feed(member))


def test_the_site_shows_a_tmk_signal_like_any_other(app, member):
    answer = member.state("submission", [tmk_item("fades")])
    assert answer.status_code == 201, answer.json
    signal_id, index = answer.json["items"][0]["signal_id"], answer.json["log_index"]
    browser = app.test_client()
    assert browser.get("/report").status_code == 200
    public = browser.get(f"/log/{index}").get_data(as_text=True)
    assert "tmk" in public and tmk_text("fades")[:64] not in public  # no values in public
    login = member.request("POST", "/v1/site/login")
    url = login.json["url"].split("://", 1)[1].split("/", 1)[1]
    assert browser.get("/" + url).status_code == 303
    page = browser.get(f"/signals/{signal_id}")
    assert page.status_code == 200 and tmk_text("fades") in page.get_data(as_text=True)


def test_tmk_comes_back_from_the_snapshot_after_a_restart(settings, matcher, member):
    from clearinghouse.bootstrap import bootstrap
    from clearinghouse.index.generations import current_generation, open_generation
    from clearinghouse.services.use_cases.matching import Query
    from clearinghouse.signals import default_registry

    assert member.state("submission", [tmk_item("pan"), tmk_item("cuts")]).status_code == 201
    matcher.load()  # from the database (or the generation its follower wrote)
    for _ in range(500):  # published by this load, or by the app's follower loading too
        if current_generation(settings.effective_snapshot_dir) is not None:
            break
        time.sleep(0.02)
    assert "index-tmk" in open_generation(settings.effective_snapshot_dir).parts
    assert member.state("submission", [tmk_item("fades")]).status_code == 201
    restarted = bootstrap(settings)
    try:
        restarted.matcher.load()
        assert restarted.matcher.loaded_from == "snapshot"
        query = default_registry().parse("tmk", tmk_text("pan-border"))
        [hit] = restarted.matcher.search(Query(query, 0, (0.7, 0.7)))
        assert len(restarted.matcher.index_set["tmk"]) == 3 and hit[1] == round(
            1000 * (1 - 0.981833)
        )
    finally:
        restarted.close()
