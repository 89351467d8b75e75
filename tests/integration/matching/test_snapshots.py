"""Fast start: indexes and states come back from the mapped snapshot generation plus the
changes after it; a corrupt generation is rebuilt from the database, never served."""

import json

from support import now_rfc3339, random_pdq

from clearinghouse.bootstrap import bootstrap
from clearinghouse.crypto import SigningKey, sign_envelope
from clearinghouse.index.generations import current_generation
from clearinghouse.services.adapters.caller import Caller
from clearinghouse.services.use_cases import members, statements
from clearinghouse.services.use_cases.matching import Query
from clearinghouse.signals.types import Signal

LABEL = "behaviour:glorification-of-terrorist-acts"


def _state(parts, key, kind, items, note=""):
    payload = json.dumps({"member": "alpha", "created": now_rfc3339(), "items": items}).encode()
    body = sign_envelope(f"application/vnd.clearinghouse.{kind}+json", payload, key).to_json()
    caller = Caller("alpha", key.key_id, frozenset({"submitter"}))
    return statements.accept_statement(parts, kind, caller, body)


def _submit(parts, key, values):
    items = [
        {
            "signal_type": "pdq",
            "value": v,
            "quality": 90,
            "content_type": "image/png",
            "labels": [LABEL],
        }
        for v in values
    ]
    return _state(parts, key, "submission", items)


def _found(matcher, values):
    return {v for v in values if matcher.search(Query(Signal("pdq", v, 90), 0))}


def test_restart_uses_the_snapshot_and_replays_later_changes(
    settings, db, matcher, statement_parts
):
    key = SigningKey.generate()
    members.add_member(db, "alpha", "Alpha", "submitter", key.verify_key)
    before = [random_pdq() for _ in range(30)]
    _submit(statement_parts, key, before)
    matcher.load()
    assert matcher.loaded_from == "database"  # and it wrote snapshots

    after = [random_pdq() for _ in range(10)]
    _submit(statement_parts, key, after)
    _state(
        statement_parts,
        key,
        "retraction",
        [{"signal_type": "pdq", "value": before[0], "reason": "x"}],
    )

    restarted = bootstrap(settings)
    try:
        restarted.matcher.load()
        assert restarted.matcher.loaded_from == "snapshot"
        assert _found(restarted.matcher, before + after) == set(before[1:] + after)
    finally:
        restarted.close()


def test_corrupt_snapshot_is_rebuilt_from_the_database(settings, db, matcher, statement_parts):
    key = SigningKey.generate()
    members.add_member(db, "alpha", "Alpha", "submitter", key.verify_key)
    values = [random_pdq() for _ in range(20)]
    _submit(statement_parts, key, values)
    matcher.load()
    published = current_generation(settings.effective_snapshot_dir)
    files = sorted((settings.effective_snapshot_dir / published).glob("index-pdq.main_codes.npy"))
    assert files
    data = bytearray(files[0].read_bytes())
    data[-1] ^= 0xFF  # one bit of one code: same size, same header
    files[0].write_bytes(bytes(data))

    restarted = bootstrap(settings)
    try:
        restarted.matcher.load()
        assert restarted.matcher.loaded_from == "database"
        assert _found(restarted.matcher, values) == set(values)
        # … and published a sound generation in its place, which it now serves from.
        assert restarted.matcher.generation not in (None, published)
        assert current_generation(settings.effective_snapshot_dir) == restarted.matcher.generation
    finally:
        restarted.close()
