"""The exchange against a live server: what a fetch stores, paging, resuming, no-op
refetches, filters as deletions, a rewritten log refused, and feedback."""

from __future__ import annotations

import base64
import json

import pytest
from support import pdq_item, random_pdq
from threatexchange.exchanges.fetch_state import AggregateSignalOpinionCategory
from threatexchange.signal_type.md5 import VideoMD5Signal
from threatexchange.signal_type.pdq.signal import PdqSignal

from clearinghouse.errors import VerificationError
from clearinghouse.exchange import ClearinghouseSignalExchangeAPI as API

TYPES = [PdqSignal, VideoMD5Signal]
GLORIFY = "behaviour:glorification-of-terrorist-acts"
THREAT = "behaviour:imminent-credible-threat"


def fetch(api, checkpoint=None, state=None, stop_after=None):
    """Run fetch_iter into ``state`` like the CLI's store; return (state, checkpoint, deltas)."""
    state = {} if state is None else state
    deltas = []
    for delta in api.fetch_iter(TYPES, checkpoint):
        API.naive_fetch_merge(state, delta.updates)
        checkpoint = delta.checkpoint
        deltas.append(delta)
        if stop_after is not None and len(deltas) >= stop_after:
            break
    return state, checkpoint, deltas


def index(api, state):
    """What the library would index: {signal type: {signal string: record}}."""
    return API.naive_convert_to_signal_type(TYPES, api.collab, state)


def submit(member, values, **item):
    r = member.state("submission", [pdq_item(v, **item) for v in values])
    assert r.status_code == 201, r.json
    return r


def test_fetch_stores_signals_with_opinions_and_checkpoint(members, exchange):
    alpha, bravo = members["alpha"], members["bravo"]
    confirmed, seed, md5 = random_pdq(), random_pdq(), "ab" * 16
    submit(alpha, [confirmed, seed])
    submit(bravo, [confirmed], labels=[THREAT])
    r = alpha.state(
        "submission",
        [
            {
                "signal_type": "md5",
                "value": md5,
                "content_type": "video/mp4",
                "labels": [GLORIFY],
            }
        ],
    )
    assert r.status_code == 201, r.json
    api = exchange()
    state, checkpoint, _ = fetch(api)
    by_type = index(api, state)
    assert set(by_type[PdqSignal]) == {confirmed, seed}
    assert set(by_type[VideoMD5Signal]) == {md5}
    top = by_type[PdqSignal][confirmed]
    assert (
        top.confirmed and top.labels == (GLORIFY, THREAT) and top.content_types == ("image/jpeg",)
    )
    agg = top.get_as_aggregate_opinion()
    assert agg.category == AggregateSignalOpinionCategory.POSITIVE_CLASS
    assert agg.tags == {GLORIFY, THREAT}
    low = by_type[PdqSignal][seed].get_as_aggregate_opinion()
    assert low.category == AggregateSignalOpinionCategory.INVESTIGATION_SEED
    assert checkpoint.tree_size > 0 and len(checkpoint.root) == 32
    assert checkpoint.log_key.startswith("clearinghouse.localhost/log+")
    assert checkpoint.get_progress_timestamp() is not None


def test_paging_resuming_and_a_refetch_with_nothing_new(members, exchange):
    values = [random_pdq() for _ in range(23)]
    submit(members["alpha"], values)
    api = exchange(page_size=4)
    full, done, deltas = fetch(api)
    assert len(deltas) == 7  # six pages of up to four, then the empty caught-up page
    assert set(index(api, full)[PdqSignal]) == set(values)
    times = [d.checkpoint.get_progress_timestamp() for d in deltas]
    assert times == sorted(times)

    # Interrupted after two pages; the next run resumes from the saved checkpoint.
    partial, saved, _ = fetch(exchange(page_size=4), stop_after=2)
    assert len(partial) == 8
    resumed, _, rest = fetch(exchange(page_size=4), saved, partial)
    assert resumed == full and len(rest) == 5

    # Nothing new: one empty delta, the same position.
    again, after, deltas = fetch(api, done, dict(full))
    assert again == full
    assert [len(d.updates) for d in deltas] == [0]
    assert (after.cursor, after.tree_size, after.root_hash) == (
        done.cursor,
        done.tree_size,
        done.root_hash,
    )


def test_retracted_disputed_and_filtered_signals_come_as_deletions(members, exchange):
    alpha, bravo = members["alpha"], members["bravo"]
    gone, disputed, other_label, kept = (random_pdq() for _ in range(4))
    submit(alpha, [gone, disputed, kept])
    submit(alpha, [other_label], labels=[THREAT])
    api = exchange(labels={GLORIFY})
    state, checkpoint, _ = fetch(api)
    assert set(index(api, state)[PdqSignal]) == {gone, disputed, kept}

    alpha.state("retraction", [{"signal_type": "pdq", "value": gone, "reason": "mistake"}])
    bravo.state(
        "feedback",
        [{"signal_type": "pdq", "value": disputed, "verdict": "disagree", "reason": "news"}],
    )
    state, checkpoint, deltas = fetch(api, checkpoint, state)
    updates = {k: v for d in deltas for k, v in d.updates.items()}
    assert sum(v is None for v in updates.values()) == 2
    assert set(index(api, state)[PdqSignal]) == {kept}

    # Keeping disputed signals shows them with a negative opinion beside the seed.
    keep_all, _, _ = fetch(exchange(exclude_disputed=False))
    record = index(api, keep_all)[PdqSignal][disputed]
    assert record.get_as_aggregate_opinion().category == AggregateSignalOpinionCategory.DISPUTED
    only_confirmed, _, _ = fetch(exchange(only_confirmed=True))
    assert index(api, only_confirmed) == {}


def test_a_rewritten_log_stops_the_fetch(db, members, exchange):
    from integration.audit.tampering import truncate

    submit(members["alpha"], [random_pdq()])
    api = exchange()
    state, checkpoint, _ = fetch(api)
    truncate(db, checkpoint.tree_size - 1)
    submit(members["alpha"], [random_pdq()])  # the same size again, another history
    with pytest.raises(VerificationError, match="forked or rewritten"):
        fetch(api, checkpoint, state)
    truncate(db, checkpoint.tree_size - 2)
    with pytest.raises(VerificationError, match="history was rewritten"):
        fetch(api, checkpoint, state)


def test_report_opinion_is_signed_feedback_in_the_log(db, members, exchange):
    from threatexchange.exchanges.fetch_state import SignalOpinion, SignalOpinionCategory

    value = random_pdq()
    submit(members["alpha"], [value])
    api = exchange()
    api.report_opinion(
        PdqSignal, value, SignalOpinion(True, SignalOpinionCategory.NEGATIVE_CLASS, {"fp"})
    )
    detail = members["reader"].request("GET", "/v1/signals/1").json
    assert detail["feedback"] == {"agree": 0, "disagree": 1}
    api.report_opinion(
        PdqSignal, value, SignalOpinion(True, SignalOpinionCategory.POSITIVE_CLASS, set())
    )
    assert members["reader"].request("GET", "/v1/signals/1").json["feedback"]["agree"] == 1
    with pytest.raises(ValueError, match="INVESTIGATION_SEED"):
        api.report_opinion(
            PdqSignal, value, SignalOpinion(True, SignalOpinionCategory.INVESTIGATION_SEED, set())
        )
    from integration.audit.tampering import _size, entry

    last = entry(db, _size(db) - 1)
    assert last["type"] == "feedback" and last["member"] == "reader"
    payload = json.loads(base64.b64decode(last["envelope"]["payload"]))
    assert payload["items"][0]["verdict"] == "agree"


def test_changed_filters_reread_the_feed_with_deletions_and_progress_kept(members, exchange):
    confirmed, single = random_pdq(), random_pdq()
    submit(members["alpha"], [confirmed, single])
    submit(members["bravo"], [confirmed])
    state, checkpoint, _ = fetch(exchange(page_size=1))
    assert set(index(exchange(), state)[PdqSignal]) == {confirmed, single}
    strict = exchange(page_size=1, only_confirmed=True)
    state, after, deltas = fetch(strict, checkpoint, state)
    assert set(index(strict, state)[PdqSignal]) == {confirmed}
    assert any(None in d.updates.values() for d in deltas)
    times = [checkpoint.get_progress_timestamp()] + [
        d.checkpoint.get_progress_timestamp() for d in deltas
    ]
    assert times == sorted(times)  # what HMA asserts of every fetch
    # The same filters again: nothing to reread.
    _, _, again = fetch(strict, after, state)
    assert [len(d.updates) for d in again] == [0]


def test_a_held_signal_leaves_only_confirmed_lists_until_released(db, members, exchange):
    from clearinghouse.services.use_cases import holds

    held, kept = random_pdq(), random_pdq()
    submit(members["alpha"], [held, kept])
    submit(members["bravo"], [held, kept])
    strict, every = exchange(only_confirmed=True), exchange()
    state, checkpoint, _ = fetch(strict)
    assert set(index(strict, state)[PdqSignal]) == {held, kept}
    all_state, all_checkpoint, _ = fetch(every)

    holds.hold_signal(db, 1, "far more lookups than its type")
    state, checkpoint, deltas = fetch(strict, checkpoint, state)
    assert set(index(strict, state)[PdqSignal]) == {kept}
    assert any(None in d.updates.values() for d in deltas)
    all_state, _, _ = fetch(every, all_checkpoint, all_state)
    assert set(index(every, all_state)[PdqSignal]) == {held, kept}  # still listed there

    holds.release_signal(db, 1, "a known picture")
    state, _, _ = fetch(strict, checkpoint, state)
    assert set(index(strict, state)[PdqSignal]) == {held, kept}
