"""The member commands against the fake server: chunked, resumable statements and matching."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import requests
from click.testing import CliRunner
from PIL import Image

from clearinghouse.cli import connection, listing, lookup, statements
from clearinghouse.client import Client, InvalidInputProblem, TransportError, UnavailableProblem
from clearinghouse.crypto import Envelope
from clearinghouse.errors import InvalidInput

from .conftest import MEMBER, SERVER

LABEL = "behaviour:glorification-of-terrorist-acts"


def pdq(i: int) -> str:
    return f"{i:064x}"


def hash_line(i: int, **extra) -> str:
    record = {"path": f"img{i}.jpg", "signal_type": "pdq", "value": pdq(i), "quality": 90,
              "content_type": "image/jpeg", **extra}  # fmt: skip
    return json.dumps(record)


@pytest.fixture
def hashes(tmp_path) -> Path:
    """23 signals, one file that could not be hashed, and a blank line: 25 lines."""
    lines = [hash_line(i) for i in range(23)]
    lines.insert(5, json.dumps({"path": "broken.jpg", "error": "cannot decode"}))
    lines.insert(12, "")
    path = tmp_path / "hashes.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def run(monkeypatch, server, member_key, tmp_path, sleeps):
    """Invoke a member command against the fake server, with ``retries`` per client."""
    key_path = tmp_path / "acme.key"
    key_path.write_bytes(member_key.to_pem())
    key_path.chmod(0o600)
    settings = {"retries": 0}

    def factory(url: str, member: str, key: str) -> Client:
        session = requests.Session()
        session.mount(SERVER, server)
        return Client(url, member, key, session=session, sleep=sleeps.append, **settings)

    for module in (connection, listing, lookup, statements):
        monkeypatch.setattr(module, "make_client", factory)
    env = {"CLEARINGHOUSE_URL": SERVER, "CLEARINGHOUSE_MEMBER": MEMBER,
           "CLEARINGHOUSE_KEY": str(key_path)}  # fmt: skip

    def invoke(command, *args: str, retries: int = 0):
        settings["retries"] = retries
        return CliRunner().invoke(command, [str(a) for a in args], env=env)

    return invoke


def _submit(run, hashes, *extra, retries: int = 0):
    args = (hashes, "--label", LABEL, "--batch-size", "10", *extra)
    return run(statements.submit_cmd, *args, retries=retries)


def _journal_path(hashes: Path, kind: str = "submitted") -> Path:
    [path] = [p for p in hashes.parent.glob(f"{hashes.name}.{kind}-*") if p.suffix != ".pending"]
    return path


def _pending(hashes: Path) -> Path:
    return _journal_path(hashes).with_name(_journal_path(hashes).name + ".pending")


def _journal(hashes: Path) -> list[dict]:
    return [json.loads(line) for line in _journal_path(hashes).read_text().splitlines()]


def test_submit_splits_the_file_into_statements(run, server, hashes):
    result = _submit(run, hashes, "--json")
    assert result.exit_code == 0, result.output
    plan, *printed = [json.loads(line) for line in result.stdout.splitlines()]
    assert plan["plan"]["items"] == 23 and plan["plan"]["unhashed_lines"] == [6]
    assert [(p["first_line"], p["last_line"], p["items"], p["new"]) for p in printed] == [
        (1, 11, 10, 10),
        (12, 22, 10, 10),
        (23, 25, 3, 3),
    ]
    assert [p["log_index"] for p in printed] == [0, 1, 2]
    payloads = [json.loads(s.envelope.payload) for s in server.statements.values()]
    values = [item["value"] for p in payloads for item in p["items"]]
    assert values == [pdq(i) for i in range(23)]
    assert all(item["labels"] == [LABEL] and "path" not in item
               for p in payloads for item in p["items"])  # fmt: skip
    journal = _journal(hashes)
    assert journal[0]["record"] == "start" and journal[0]["options"]["labels"] == [LABEL]
    assert [r["statement_id"] for r in journal[1:]] == [1, 2, 3]
    assert not _pending(hashes).exists()


def test_submit_prints_a_summary(run, server, hashes):
    result = _submit(run, hashes)
    journal = _journal_path(hashes)
    assert result.stdout == f"sent 3 statement(s) of 23 item(s): 23 new\njournal: {journal}\n"
    assert "skipped 1 file(s) `hash` could not read" in result.stderr
    again = _submit(run, hashes)
    assert again.stdout.splitlines() == [
        "sent 0 statement(s) of 0 item(s): nothing",
        f"journal: {journal}",
    ]
    assert "lines 1–25 were already acknowledged" in again.stderr
    assert len(server.statement_calls()) == 3


@pytest.mark.parametrize("fault", ["drop", "refuse", 503])
def test_an_interrupted_submit_resumes_without_stating_anything_twice(run, server, hashes, fault):
    # After the labels, the log key and the first statement, the second statement fails:
    # its answer is lost, or it never arrives.
    server.faults = [None, None, None, fault]
    first = _submit(run, hashes, "--json")
    assert isinstance(first.exception, TransportError | UnavailableProblem)
    assert len(first.stdout.splitlines()) == 2  # the plan, then one statement
    pending = _pending(hashes)
    saved = Envelope.from_dict(json.loads(pending.read_text())["envelope"]).to_json()

    second = _submit(run, hashes, "--json")
    assert second.exit_code == 0, second.output
    printed = [json.loads(line) for line in second.stdout.splitlines()][1:]
    assert [(p["first_line"], p["resent"]) for p in printed] == [(12, True), (23, False)]
    # Each chunk's envelope was stored exactly once, in order, and is what the journal holds.
    assert len(server.statements) == 3 and len(server.log) == 3
    assert [r["digest"] for r in _journal(hashes)[1:]] == list(server.statements)
    # The second chunk was signed once; every copy that reached the server is byte-identical.
    digest = Envelope.from_json(saved).digest()
    copies = [
        c.body for c in server.statement_calls() if Envelope.from_json(c.body).digest() == digest
    ]
    assert set(copies) == {saved}
    assert len(copies) == {"drop": 2, "refuse": 1, 503: 2}[fault]
    assert not pending.exists()


def test_the_pending_envelope_is_saved_before_it_is_sent(run, server, hashes):
    seen = []

    def spy(request, **kw):
        if "submissions" in request.url:
            seen.append(_pending(hashes).read_bytes())
        return type(server).send(server, request, **kw)

    server.send = spy
    assert _submit(run, hashes).exit_code == 0
    sent = [Envelope.from_dict(json.loads(p)["envelope"]).to_json() for p in seen]
    assert sent == [c.body for c in server.statement_calls()]


def test_only_lines_appended_since_are_sent(run, server, hashes):
    assert _submit(run, hashes).exit_code == 0
    with hashes.open("a") as fh:
        fh.write(hash_line(100) + "\n" + hash_line(101) + "\n")
    result = _submit(run, hashes, "--json")
    [printed] = [json.loads(line) for line in result.stdout.splitlines()][1:]
    assert (printed["first_line"], printed["last_line"], printed["new"]) == (26, 27, 2)


def test_changed_lines_that_were_sent_are_refused(run, server, hashes):
    assert _submit(run, hashes).exit_code == 0
    text = hashes.read_text().replace(pdq(15), pdq(999))
    hashes.write_text(text)
    result = _submit(run, hashes)
    assert isinstance(result.exception, InvalidInput)
    assert "lines 12–22 changed" in result.exception.detail
    assert len(server.statement_calls()) == 3


def test_other_options_on_a_resumed_file_are_refused(run, server, hashes):
    server.faults = [None, None, None, "refuse"]
    _submit(run, hashes)
    result = run(statements.submit_cmd, hashes, "--label", "behaviour:imminent-credible-threat")
    assert isinstance(result.exception, InvalidInput)
    assert "other options" in result.exception.detail


def test_bad_lines_stop_the_run_before_anything_is_sent(run, server, hashes, tmp_path):
    with hashes.open("a") as fh:
        fh.write(json.dumps({"signal_type": "pdq", "value": pdq(1), "quality": 80}) + "\n")
    result = _submit(run, hashes)
    assert isinstance(result.exception, InvalidInput)
    assert result.exception.errors == [
        {"line": 26, "reason": "the line has no content_type (give --content-type)"}
    ]
    assert server.statement_calls() == []
    assert not list(tmp_path.glob("hashes.jsonl.submitted*"))
    fixed = _submit(run, hashes, "--content-type", "image/png", "--json")
    assert fixed.exit_code == 0 and len(server.statement_calls()) == 3


def test_a_refused_statement_names_the_input_lines(run, server, hashes):
    hashes.write_text(hashes.read_text().replace(pdq(14), pdq(0xBAD)))
    result = _submit(run, hashes, "--json")
    error = result.exception
    assert isinstance(error, InvalidInputProblem)
    # pdq(14) is the fifth item of the second statement, on line 17 of the file.
    assert error.errors == [{"index": 4, "field": "value", "reason": "not hex", "line": 17}]
    # Refused means nothing stored: no pending envelope lingers, the next run starts there.
    assert not _pending(hashes).exists()
    hashes.write_text(hashes.read_text().replace(pdq(0xBAD), pdq(14)))
    again = _submit(run, hashes, "--json")
    assert [json.loads(line)["first_line"] for line in again.stdout.splitlines()[1:]] == [12, 23]


def test_a_torn_journal_line_is_cut_off(run, server, hashes):
    assert _submit(run, hashes).exit_code == 0
    journal = _journal_path(hashes)
    lines = journal.read_text().splitlines(keepends=True)
    journal.write_text("".join(lines[:-1]) + lines[-1][:20])
    result = _submit(run, hashes, "--json")
    assert [json.loads(line)["first_line"] for line in result.stdout.splitlines()[1:]] == [23]
    assert len(journal.read_text().splitlines()) == 4
    # The same lines, signed anew: identical bytes within the same second (stored once),
    # else a second statement of the same items (the server counts them unchanged).
    last = [json.loads(Envelope.from_json(body).payload)["items"] for body in server.log[2:]]
    assert len(last) in (1, 2) and all(items == last[0] for items in last)


def test_retries_inside_one_run(run, server, hashes, sleeps):
    server.faults = [500, "drop", None, 502]
    result = _submit(run, hashes, "--json", retries=3)
    assert result.exit_code == 0, result.output
    assert len(server.log) == 3 and len(sleeps) == 3


def test_retract_one_value_and_a_file(run, server, hashes):
    assert _submit(run, hashes).exit_code == 0
    one = run(statements.retract_cmd, "--value", pdq(3), "--type", "pdq", "--reason", "mistake")
    assert one.exit_code == 0 and one.stdout.startswith("statement 4 at log index 3")
    payload = json.loads(Envelope.from_json(server.log[-1]).payload)
    assert payload["items"] == [{"signal_type": "pdq", "value": pdq(3), "reason": "mistake"}]
    whole = run(statements.retract_cmd, hashes, "--reason", "mistake", "--json")
    assert whole.exit_code == 0, whole.output
    assert _journal_path(hashes, "retracted").exists()
    payload = json.loads(Envelope.from_json(server.log[-1]).payload)
    assert len(payload["items"]) == 23 and payload["items"][0]["quality"] == 90


def test_feedback_one_value(run, server, hashes):
    assert _submit(run, hashes).exit_code == 0
    result = run(statements.feedback_cmd, "--value", pdq(7), "--type", "pdq",
                 "--verdict", "disagree", "--reason", "a cartoon", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["log_index"] == 3
    envelope = Envelope.from_json(server.log[3])
    assert envelope.payload_type == "application/vnd.clearinghouse.feedback+json"
    assert json.loads(envelope.payload)["items"][0]["verdict"] == "disagree"


@pytest.mark.parametrize(
    "args",
    [
        ["--reason", "r"],  # neither a file nor a value
        ["--value", pdq(1), "--reason", "r"],  # a value without its type
    ],
)
def test_retract_needs_one_source(run, server, args):
    result = run(statements.retract_cmd, *args)
    assert result.exit_code == 2 and server.calls == []


def test_match_a_value(run, server, hashes):
    assert _submit(run, hashes).exit_code == 0
    result = run(lookup.match_cmd, "--value", pdq(4), "--type", "pdq",
                 "--max-distance", "8", "--dihedral", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    line = json.loads(result.stdout)
    assert line["value"] == pdq(4) and line["matches"][0]["signal_id"] == 5
    body = json.loads(server.calls[-1].body)
    assert body == {"queries": [{"signal_type": "pdq", "value": pdq(4), "max_distance": 8}],
                    "dihedral": True}  # fmt: skip
    assert line["verdict"] == "match" and "distance 0" in line["why"]
    text = run(lookup.match_cmd, "--value", pdq(999), "--type", "pdq")
    assert text.stdout == f"pdq {pdq(999)}: no_match (no pdq signal within its max distance)\n"


def test_match_exit_code_says_whether_anything_matched(run, server, hashes):
    assert _submit(run, hashes).exit_code == 0
    found = run(lookup.match_cmd, "--value", pdq(4), "--type", "pdq", "--exit-code")
    assert found.exit_code == 1 and ": match (" in found.stdout
    none = run(lookup.match_cmd, "--value", pdq(999), "--type", "pdq", "--exit-code")
    assert none.exit_code == 0 and ": no_match (" in none.stdout
    plain = run(lookup.match_cmd, "--value", pdq(4), "--type", "pdq")
    assert plain.exit_code == 0  # without --exit-code a match is not a failure


def test_match_files_hashes_them_locally(run, server, tmp_path):
    rng = np.random.default_rng(7)
    picture = tmp_path / "picture.png"
    Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(picture)
    (tmp_path / "notes.txt").write_text("not media")
    result = run(lookup.match_cmd, picture, tmp_path / "notes.txt", "--types", "pdq,sha256",
                 "--json", "--no-variants")  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(line["path"].rsplit("/", 1)[-1], line["signal_type"]) for line in lines] == [
        ("picture.png", "pdq"),
        ("picture.png", "sha256"),
        ("notes.txt", "sha256"),
    ]
    [call] = server.calls
    queries = json.loads(call.body)["queries"]
    assert [q["signal_type"] for q in queries] == ["pdq", "sha256", "sha256"]
    assert all(set(q) == {"signal_type", "value"} for q in queries)  # the path stays here


def test_match_files_sends_the_variants_in_one_batch(run, server, tmp_path):
    rng = np.random.default_rng(8)
    picture = tmp_path / "picture.png"
    Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(picture)
    result = run(lookup.match_cmd, picture, "--types", "pdq", "--json")
    assert result.exit_code == 0, result.output
    [line] = [json.loads(line) for line in result.stdout.splitlines()]
    assert line["signal_type"] == "pdq" and "variants" not in line
    [call] = server.calls  # one request for every variant
    queries = json.loads(call.body)["queries"]
    assert len(queries) > 8 and {q["signal_type"] for q in queries} == {"pdq"}
    assert queries[0]["value"] == line["value"]  # the original first
    assert "dihedral" not in json.loads(call.body)  # the dihedral forms are sent as variants


def test_member_options_are_required(server):
    result = CliRunner().invoke(lookup.match_cmd, ["--value", pdq(1), "--type", "pdq"], env={})
    assert result.exit_code == 2 and "--server" in result.output


def test_a_vpdq_match_states_the_share_of_frames():
    record = {"signal_type": "vpdq", "value": [{"pdq": pdq(1), "quality": 90, "timestamp": 0}]}
    why = lookup._why(record, [{"signal_id": 3, "distance": 15}], None)
    assert why == "1 vpdq signal(s); nearest 3 frames matched 85% of the query / n/a of the signal"
    both = lookup._frame_share({"query_match_percent": 90.0, "compared_match_percent": 42.5})
    assert both == "frames matched 90% of the query / 42.5% of the signal"
