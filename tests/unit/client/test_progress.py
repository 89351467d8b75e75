"""Resumable statement files: any pattern of interruptions states every line exactly once.

The twin is the obvious definition: the items of a file, in order, cut into consecutive
groups of ``batch_size``. Whatever fails and however often the run is restarted, the
statements the server stored must hold exactly those items, each once, in order.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearinghouse.client import Client, ProblemError, StatementFile, TransportError
from clearinghouse.client.progress import Acknowledged, Journal, Pending
from clearinghouse.client.statements import submission_item
from clearinghouse.crypto import Envelope, SigningKey

from .conftest import MEMBER, SERVER, FakeServer

KEY = SigningKey.generate()
IDENTITY = {"server": SERVER, "member": MEMBER, "key_id": KEY.key_id}
# What a StatementFile keys its journal by: the log the fake server serves.
LOG_IDENTITY = {"log": "example+01234567", "member": MEMBER, "key_id": KEY.key_id}
LINE = st.sampled_from(["item", "item", "item", "error", "blank"])
FAULT = st.sampled_from([None, None, "drop", "refuse", 500])


def _write(path: Path, kinds: list[str]) -> list[str]:
    lines, values = [], []
    for i, kind in enumerate(kinds):
        if kind == "item":
            values.append(f"{i:064x}")
            record = {"signal_type": "pdq", "value": values[-1], "quality": 90,
                      "content_type": "image/png"}  # fmt: skip
            lines.append(json.dumps(record))
        else:
            lines.append(json.dumps({"path": "x", "error": "e"}) if kind == "error" else "")
    path.write_text("".join(line + "\n" for line in lines))
    return values


def _sender(server: FakeServer, path: Path, batch_size: int) -> StatementFile:
    session = requests.Session()
    session.mount(SERVER, server)
    client = Client(SERVER, MEMBER, KEY, session=session, retries=0, sleep=lambda s: None)
    return StatementFile(
        client,
        "submission",
        path,
        lambda line: [submission_item(line, ["behaviour:x"])],
        options={"labels": ["behaviour:x"]},
        batch_size=batch_size,
    )


def _stored_values(server: FakeServer) -> list[list[str]]:
    return [
        [item["value"] for item in json.loads(Envelope.from_json(body).payload)["items"]]
        for body in server.log
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kinds=st.lists(LINE, max_size=30),
    batch_size=st.integers(1, 6),
    faults=st.lists(FAULT, max_size=12),
)
def test_every_item_is_stated_exactly_once(kinds, batch_size, faults):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hashes.jsonl"
        values = _write(path, kinds)
        server = FakeServer()
        server.add_member_key(MEMBER, KEY)
        server.faults = list(faults)
        for _ in range(len(faults) + 2):  # each failed run uses up at least one fault
            try:
                sender = _sender(server, path, batch_size)
                sender.check()
                list(sender.run())
                break
            except (TransportError, ProblemError):
                continue
        else:
            raise AssertionError("the file was never sent completely")
        stored = _stored_values(server)
        assert [v for group in stored for v in group] == values
        if not faults:
            assert stored == [values[i : i + batch_size] for i in range(0, len(values), batch_size)]
        journal = Journal(path, "submission", {"labels": ["behaviour:x"]}, LOG_IDENTITY)
        ranges = [(a.first_line, a.last_line) for a in journal.acknowledged]
        starts = [1, *(end + 1 for _, end in ranges)][: len(ranges)]
        assert [start for start, _ in ranges] == starts  # contiguous from the first line
        assert [a.digest for a in journal.acknowledged] == list(server.statements)
        assert journal.pending() is None


def test_an_acknowledged_pending_envelope_is_dropped(tmp_path):
    source = tmp_path / "h.jsonl"
    journal = Journal(source, "submission", {"labels": []}, IDENTITY)
    pending = Pending(0, 1, 3, 3, "ab", "d1", {"payloadType": "t", "payload": "", "signatures": []})
    journal.save_pending(pending)
    assert Journal(source, "submission", {"labels": []}, IDENTITY).pending() == pending
    # Acknowledged, then interrupted before the pending file was removed.
    ack = Acknowledged(0, 1, 3, 3, "ab", "d1", statement_id=1, log_index=0)
    journal._append({"record": "acknowledged", **ack.__dict__})
    reopened = Journal(source, "submission", {"labels": []}, IDENTITY)
    assert reopened.acknowledged == [ack] and reopened.next_line == 4
    assert reopened.pending() is None and not reopened.pending_path.exists()


def test_a_torn_pending_file_was_never_sent(tmp_path):
    journal = Journal(tmp_path / "h.jsonl", "retraction", {"reason": "r"}, IDENTITY)
    assert journal.path.name.startswith("h.jsonl.retracted-")
    journal.pending_path.write_text('{"chunk": 0, "first')
    assert journal.pending() is None and not journal.pending_path.exists()


def test_a_journal_kept_under_the_server_url_is_taken_over_under_the_log(tmp_path):
    source = tmp_path / "h.jsonl"
    old = Journal(source, "submission", {"labels": []}, IDENTITY)
    pending = Pending(0, 1, 3, 3, "ab", "d1", {"payloadType": "t", "payload": "", "signatures": []})
    old.save_pending(pending)
    old.acknowledge(Acknowledged(0, 1, 3, 3, "ab", "d1", statement_id=1, log_index=0))
    old.save_pending(Pending(1, 4, 5, 2, "cd", "d2", {}))
    # Not by a log too small to hold what it records (index 0 needs one entry)...
    assert (
        Journal(source, "submission", {"labels": []}, LOG_IDENTITY, IDENTITY, lambda: 0).next_line
        == 1
    )
    assert old.path.exists()
    # ... but by one that can.
    taken = Journal(
        source, "submission", {"labels": []}, LOG_IDENTITY, former=IDENTITY, log_size=lambda: 1
    )
    assert taken.path != old.path and not old.path.exists() and not old.pending_path.exists()
    assert taken.next_line == 4 and taken.pending().digest == "d2"
    # Another log's journal is its own: nothing to take over once this one exists.
    other = {**LOG_IDENTITY, "log": "elsewhere+89abcdef"}
    assert Journal(source, "submission", {"labels": []}, other, IDENTITY, lambda: 1).next_line == 1
