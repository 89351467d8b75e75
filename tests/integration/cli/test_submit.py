"""``submit`` against a real server: journals per log and member, local checks first,
--skip-invalid, --dry-run, low-quality hashes, and what a refusal says was stored."""

from __future__ import annotations

import json
import secrets

import pytest

from clearinghouse.services.use_cases import members
from clearinghouse.store.log import log_size

from .conftest import LABEL, json_lines, pdq_line


def _values(n: int) -> list[str]:
    return [secrets.token_hex(32) for _ in range(n)]


def _log_size(db) -> int:
    with db.read() as session:
        return log_size(session)


def test_the_journal_is_per_member_and_per_log(cli, db, globex, tmp_path):
    hashes = tmp_path / "removed.jsonl"
    hashes.write_text("".join(pdq_line(v) + "\n" for v in _values(3)))
    first = cli("submit", hashes, "--label", LABEL)
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("sent 1 statement(s) of 3 item(s): 3 new")
    again = cli("submit", hashes, "--label", LABEL)
    assert again.stdout.startswith("sent 0 statement(s)")
    assert "lines 1–3 were already acknowledged" in again.stderr
    # Another member sends the whole file: its journal is its own.
    other = cli("submit", hashes, "--label", LABEL, as_=globex)
    assert other.exit_code == 0, other.output
    assert other.stdout.startswith("sent 1 statement(s) of 3 item(s): 3 corroborated")
    # Another server (not running) is not "already acknowledged": it fails, exit 2.
    elsewhere = cli("submit", hashes, "--label", LABEL, server="http://127.0.0.1:9")
    assert elsewhere.exit_code == 2
    assert "cannot reach the server at http://127.0.0.1:9" in elsewhere.stderr
    assert "already acknowledged" not in elsewhere.output
    assert len(list(tmp_path.glob("removed.jsonl.submitted-*"))) == 2


def test_one_log_behind_two_urls_is_one_journal(cli, db, server_url, tmp_path):
    hashes = tmp_path / "removed.jsonl"
    hashes.write_text("".join(pdq_line(v) + "\n" for v in _values(2)))
    assert cli("submit", hashes, "--label", LABEL).exit_code == 0
    size = _log_size(db)
    again = cli(
        "submit", hashes, "--label", LABEL, server=server_url.replace("127.0.0.1", "localhost")
    )
    assert again.exit_code == 0, again.output
    assert "lines 1–2 were already acknowledged" in again.stderr
    assert _log_size(db) == size
    assert len(list(tmp_path.glob("removed.jsonl.submitted-*"))) == 1


def test_two_logs_behind_one_url_are_two_journals(
    cli, db, acme, switched_server, other_log, tmp_path
):
    url, put_behind = switched_server
    members.add_member(other_log.db, acme.id, "Acme", "submitter", acme.key.verify_key)
    hashes = tmp_path / "removed.jsonl"
    hashes.write_text("".join(pdq_line(v) + "\n" for v in _values(2)))
    assert cli("submit", hashes, "--label", LABEL, server=url).exit_code == 0
    put_behind(other_log.app)  # the same URL now leads to another log
    moved = cli("submit", hashes, "--label", LABEL, server=url)
    assert moved.exit_code == 0, moved.output
    assert moved.stdout.startswith("sent 1 statement(s) of 2 item(s)")
    assert "already acknowledged" not in moved.output
    assert _log_size(other_log.db) == 2  # acme's member entry, then the submission
    assert len(list(tmp_path.glob("removed.jsonl.submitted-*"))) == 2


def test_every_bad_line_is_named_before_anything_is_sent(cli, db, tmp_path):
    good = _values(2)
    lines = [
        pdq_line(good[0]),
        pdq_line("zz" * 32),  # not hex
        "not json at all {",
        pdq_line(good[1]),
        pdq_line(secrets.token_hex(31)),  # too short
        json.dumps({"signal_type": "sha256", "value": secrets.token_hex(32)}),  # no content_type
        pdq_line(secrets.token_hex(32), labels=["behaviour:no-such-thing"]),
        pdq_line(secrets.token_hex(32), quality=7),  # below the minimum: skipped, counted
    ]
    hashes = tmp_path / "mixed.jsonl"
    hashes.write_text("\n".join(lines) + "\n")
    before = _log_size(db)
    refused = cli("submit", hashes, "--label", LABEL)
    assert refused.exit_code == 1
    assert "5 bad line(s), nothing sent" in refused.stderr
    for line in ("line 2:", "line 3:", "line 5:", "line 6:", "line 7:"):
        assert line in refused.stderr
    assert "unknown label 'behaviour:no-such-thing'" in refused.stderr
    assert refused.stderr.count("error:") == 1
    assert _log_size(db) == before and not list(tmp_path.glob("mixed.jsonl.submitted*"))

    as_json = cli("submit", hashes, "--label", LABEL, "--json")
    [error] = json_lines(as_json.stdout)
    assert as_json.exit_code == 1 and as_json.stderr == ""
    assert [e["line"] for e in error["error"]["errors"]] == [2, 3, 5, 6, 7]

    dry = cli("submit", hashes, "--label", LABEL, "--skip-invalid", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "2 item(s) from 2 line(s) would send" in dry.stdout
    assert "skipped 1 PDQ hash(es) below the minimum quality (line 8)" in dry.stdout
    assert _log_size(db) == before

    sent = cli("submit", hashes, "--label", LABEL, "--skip-invalid", "--json")
    assert sent.exit_code == 0, sent.output
    plan, ack = json_lines(sent.stdout)
    assert plan["plan"]["below_quality_lines"] == [8]
    assert [e["line"] for e in plan["plan"]["invalid"]] == [2, 3, 5, 6, 7]
    assert (ack["items"], ack["new"]) == (2, 2)
    assert _log_size(db) == before + 1


def test_options_may_change_until_something_is_acknowledged(cli, db, tmp_path):
    hashes = tmp_path / "h.jsonl"
    hashes.write_text("".join(pdq_line(v) + "\n" for v in _values(4)))
    typo = cli("submit", hashes, "--label", "behaviour:glorification-of-terorist-acts")
    assert typo.exit_code == 2 and "unknown label" in typo.stderr
    fixed = cli("submit", hashes, "--label", LABEL, "--batch-size", "2")
    assert fixed.exit_code == 0, fixed.output
    assert fixed.stdout.startswith("sent 2 statement(s) of 4 item(s)")
    with hashes.open("a") as fh:
        fh.write(pdq_line(secrets.token_hex(32)) + "\n")
    changed = cli("submit", hashes, "--label", "behaviour:imminent-credible-threat")
    assert changed.exit_code == 1
    assert "lines 1–4 were acknowledged" in changed.stderr
    assert f"labels={[LABEL]}" in changed.stderr or LABEL in changed.stderr


def test_a_refused_batch_says_exactly_what_was_stored(cli, db, tmp_path):
    values = _values(5)
    hashes = tmp_path / "h.jsonl"
    hashes.write_text("".join(pdq_line(v) + "\n" for v in values))
    # The same value twice in one statement passes every local check; the server refuses it.
    with hashes.open("a") as fh:
        fh.write(pdq_line(values[4]) + "\n")
    result = cli("submit", hashes, "--label", LABEL, "--batch-size", "2")
    assert result.exit_code == 1
    assert "lines 1–4 were acknowledged (2 statement(s)" in result.stderr
    assert "nothing after line 4 was stored" in result.stderr


def test_csv_and_type_value_lines(cli, db, globex, tmp_path):
    md5, sha = secrets.token_hex(16), secrets.token_hex(32)
    words = tmp_path / "plain.txt"
    words.write_text(f"md5 {md5}\nsha256 {sha}\npdq {secrets.token_hex(32)} 88\n")
    sent = cli("submit", words, "--label", LABEL, "--content-type", "video/mp4")
    assert sent.exit_code == 0, sent.output
    assert sent.stdout.startswith("sent 1 statement(s) of 3 item(s): 3 new")

    exported = cli("export", "--format", "csv", as_=globex)
    assert exported.exit_code == 0, exported.output
    rows = exported.stdout.splitlines()
    assert rows[0] == "signal_type,signal_str,collab,category,tags"
    assert f"video_md5,{md5},clearinghouse,INVESTIGATION_SEED,{LABEL}" in rows
    assert f"video_sha256,{sha},clearinghouse,INVESTIGATION_SEED,{LABEL}" in rows
    dataset = tmp_path / "dataset.csv"
    dataset.write_text(exported.stdout)
    # The CSV carries no PDQ quality: those rows are named, the rest sent with their tags.
    back = cli("submit", dataset, "--content-type", "video/mp4", "--skip-invalid", as_=globex)
    assert back.exit_code == 0, back.output
    assert back.stdout.startswith("sent 1 statement(s) of 2 item(s): 2 corroborated")
    assert "quality: required for pdq" in back.stderr

    jsonl = cli("export", as_=globex)
    records = json_lines(jsonl.stdout)
    assert {r["signal_type"] for r in records} == {"md5", "sha256", "pdq"}
    assert all(r["contributors"] in (1, 2) for r in records)


@pytest.mark.parametrize("how", ["-"])
def test_a_pipe_is_read_once_journalled_and_resumed(cli, db, tmp_path, how):
    lines = "".join(pdq_line(v) + "\n" for v in _values(3))
    first = cli("submit", how, "--label", LABEL, input=lines)
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("sent 1 statement(s) of 3 item(s): 3 new")
    assert "read 3 line(s) from" in first.stderr
    [copy] = (tmp_path / "clearinghouse-input").glob("*.lines")
    assert copy.read_text() == lines and list(copy.parent.glob("*.lines.submitted-*"))
    size = _log_size(db)
    again = cli("submit", how, "--label", LABEL, input=lines)
    assert again.stdout.startswith("sent 0 statement(s)") and _log_size(db) == size


def test_a_pipe_with_no_line_is_an_error(cli, db):
    size = _log_size(db)
    result = cli("submit", "-", "--label", LABEL, input="")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: no line was read from standard input: nothing to send"
    ]
    assert _log_size(db) == size


def test_a_fifo_is_read_as_a_stream(cli, tmp_path):
    import os
    import threading

    fifo = tmp_path / "hashes.fifo"
    os.mkfifo(fifo)
    text = "".join(pdq_line(v) + "\n" for v in _values(2))
    writer = threading.Thread(target=fifo.write_text, args=(text,))
    writer.start()
    result = cli("submit", fifo, "--label", LABEL)
    writer.join()
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("sent 1 statement(s) of 2 item(s): 2 new")


def test_a_typo_in_a_label_is_refused_before_anything_with_the_nearest_label(cli, db, tmp_path):
    hashes = tmp_path / "typo.jsonl"
    hashes.write_text(pdq_line(_values(1)[0]) + "\n")
    size = _log_size(db)
    result = cli("submit", hashes, "--label", "behaviour:glorificaton-of-terrorist-acts")
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert "unknown label 'behaviour:glorificaton-of-terrorist-acts'" in line
    assert f"did you mean '{LABEL}'" in line
    assert _log_size(db) == size and not list(tmp_path.glob("typo.jsonl.*"))


def test_csv_export_names_only_types_threatexchange_has(cli, tmp_path):
    image_md5, video_md5 = secrets.token_hex(16), secrets.token_hex(16)
    (tmp_path / "image.txt").write_text(f"md5 {image_md5}\nphash {secrets.token_hex(8)}\n")
    (tmp_path / "video.txt").write_text(f"md5 {video_md5}\n")
    for name, kind in (("image.txt", "image/png"), ("video.txt", "video/mp4")):
        sent = cli("submit", tmp_path / name, "--label", LABEL, "--content-type", kind)
        assert sent.exit_code == 0, sent.output
    exported = cli("export", "--format", "csv")
    rows = exported.stdout.splitlines()[1:]
    assert [row.split(",")[:2] for row in rows] == [["video_md5", video_md5]]
    assert "left out 1 md5, 1 phash signal(s)" in exported.stderr
