"""The real ``threatexchange`` CLI, with this package as its extension, against a real
``clearinghouse serve``: configure, fetch, match an edited copy, label, refetch after a
retraction, refetch with nothing new, and refuse a log rewritten behind its back.

Each test has its own HOME and threatexchange state directory.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest

from clearinghouse.store.log import log_size, read_entries

from .threatexchange_world import GLORIFY, SHARED_TX, Tx, image, make_world, pdq_item


@pytest.fixture
def world(db, start_server, tmp_path):
    w = make_world(db, start_server, tmp_path, SHARED_TX, dict(os.environ))
    yield w
    w.alpha.close()


def test_fetch_match_label_retract_and_refetch(db, world):
    tx, alpha, edited = world.tx, world.alpha, world.edited
    assert world.images["a"].read_bytes() != edited.read_bytes()
    fetched = tx("fetch")
    assert "Up to date" in fetched.stderr

    (line,) = tx.matches(edited)
    assert line.startswith("pdq ") and "(chx)" in line
    assert "INVESTIGATION_SEED" in line and GLORIFY in line

    # A positive label is a signed agree statement in the log.
    value = pdq_item(world.images["a"])["value"]
    tx("label", "--as-hash", "pdq", "chx", "photo", "--", value)
    entries = _log(db)
    assert entries[-1]["type"] == "feedback" and entries[-1]["member"] == "reader"
    assert _items(entries[-1]) == [
        {
            "signal_type": "pdq",
            "value": value,
            "verdict": "agree",
            "reason": "positive_class opinion through python-threatexchange",
        }
    ]

    # Retracted: after the next fetch the edited copy no longer matches; the rest still do.
    alpha.retract([{"signal_type": "pdq", "value": value, "reason": "wrongly submitted"}])
    tx("fetch")
    assert tx.matches(edited) == []
    assert len(tx.matches(world.images["b"])) == 1

    # Nothing new: the stored dataset and checkpoint stay as they were.
    before = tx("dataset", "--print-signals").stdout, _checkpoint_files(tx)
    assert len(before[0].splitlines()) == 2 and before[1]
    again = tx("fetch")
    assert "Downloaded" not in again.stderr and "Up to date" in again.stderr
    assert (tx("dataset", "--print-signals").stdout, _checkpoint_files(tx)) == before


def test_a_log_rewritten_behind_the_clients_back_fails_the_fetch(db, world):
    from integration.audit.tampering import truncate

    tx, alpha = world.tx, world.alpha
    tx("fetch")
    size = len(_log(db))
    # The operator drops the last submission and logs a different one in its place.
    truncate(db, size - 1)
    alpha.submit([pdq_item(image(world.edited.with_name("d.png"), 9))])
    assert len(_log(db)) == size
    failed = tx("fetch", ok=False)
    assert failed.returncode != 0
    assert "forked or rewritten" in failed.stderr
    # And the fetch state did not move: a retry fails the same way.
    assert "forked or rewritten" in tx("fetch", ok=False).stderr


def _log(db) -> list[dict]:
    with db.read() as session:
        return [json.loads(data) for _, data in read_entries(session, 0, log_size(session))]


def _items(entry: dict) -> list[dict]:
    return json.loads(base64.b64decode(entry["envelope"]["payload"]))["items"]


def _checkpoint_files(tx: Tx) -> dict[str, bytes]:
    root = Path(tx.env["TX_STATEDIR"]) / "fetched"
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }
