"""An honest log passes, and keeps passing as it grows."""

from __future__ import annotations

from .tampering import build_log, pdq_item, random_pdq


def test_clean_log_passes_and_the_state_moves_forward(db, client, auditor):
    log = build_log(db, client)
    code, report = auditor.verify()
    assert code == 0, report
    assert report["problems"] == []
    assert report["size"] == log["size"] == report["checked"]
    assert report["statements"] == len(log["submissions"])
    assert auditor.state_path.exists()

    answer = log["members"]["bravo"].state("submission", [pdq_item(random_pdq())])
    assert answer.status_code == 201
    code, report = auditor.verify()
    assert code == 0, report
    assert report["previous_size"] == log["size"]
    assert report["size"] == log["size"] + 1
    # Signatures verified by the last clean run are carried over; --full redoes them.
    assert (report["statements"], report["carried"]) == (1, len(log["submissions"]))
    code, report = auditor.verify("--full")
    assert code == 0, report
    assert (report["statements"], report["carried"]) == (len(log["submissions"]) + 1, 0)
