"""The change feed's additions for exchanges (DESIGN §12): each live signal's
``content_types`` and ``is_mine``, and a ``checkpoint_time`` per page that never goes back."""

from support import add_member, pdq_item, random_pdq


def _pages(member, limit):
    cursor, pages = None, []
    while True:
        query = {"limit": limit, **({"after": cursor} if cursor else {})}
        r = member.request("GET", "/v1/signals", query=query)
        assert r.status_code == 200, r.json
        pages.append(r.json)
        if not r.json["signals"]:
            return pages
        cursor = r.json["next"]


def test_feed_gives_content_types_is_mine_and_a_checkpoint_time(db, client):
    a = add_member(db, client, "alpha")
    b = add_member(db, client, "bravo")
    empty = a.request("GET", "/v1/signals").json
    assert empty["signals"] == [] and empty["next"] is None
    # The log already holds the two member_added entries: the time is the latest one's.
    assert isinstance(empty["checkpoint_time"], str)

    shared, own_a, own_b = random_pdq(), random_pdq(), random_pdq()
    a.state("submission", [pdq_item(shared), pdq_item(own_a, content_type="video/mp4")])
    b.state("submission", [pdq_item(shared, content_type="image/png"), pdq_item(own_b)])
    b.state("retraction", [{"signal_type": "pdq", "value": own_b, "reason": "x"}])

    pages = _pages(a, limit=1)
    times = [p["checkpoint_time"] for p in pages]
    assert all(isinstance(t, str) for t in times)
    assert times == sorted(times)  # RFC 3339 UTC with fixed precision sorts as time
    seen = {s["signal_id"]: s for p in pages for s in p["signals"]}
    by_value = {s.get("value"): s for s in seen.values()}
    assert by_value[shared]["content_types"] == ["image/jpeg", "image/png"]
    assert by_value[shared]["is_mine"] is True
    assert by_value[own_a]["content_types"] == ["video/mp4"]
    assert by_value[own_a]["is_mine"] is True
    tombstone = next(s for s in seen.values() if s["status"] == "retracted")
    assert "is_mine" not in tombstone and "value" not in tombstone

    feed_b = {s.get("value"): s for p in _pages(b, limit=1000) for s in p["signals"]}
    assert feed_b[shared]["is_mine"] is True
    assert feed_b[own_a]["is_mine"] is False
    # A caught-up page keeps the cursor and reports the latest entry's time.
    last = pages[-1]
    assert last["next"] == pages[-2]["next"] and last["checkpoint_time"] >= times[-2]


def test_a_retracted_contribution_no_longer_counts_as_mine(db, client):
    a = add_member(db, client, "alpha")
    b = add_member(db, client, "bravo")
    value = random_pdq()
    a.state("submission", [pdq_item(value, content_type="image/gif")])
    b.state("submission", [pdq_item(value)])
    a.state("retraction", [{"signal_type": "pdq", "value": value, "reason": "x"}])
    signal = a.request("GET", "/v1/signals").json["signals"][0]
    assert signal["is_mine"] is False
    assert signal["content_types"] == ["image/jpeg"]  # only active contributions count
