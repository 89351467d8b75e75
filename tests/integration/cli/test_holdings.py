"""Statements by what members hold — a signal id, `match --json` lines, `hash` lines — and
the listing commands: labels, signals get|feed|mine."""

from __future__ import annotations

import json
import secrets

from .conftest import LABEL, json_lines, pdq_line


def _near(value: str, bits: int = 3) -> str:
    return f"{int(value, 16) ^ ((1 << bits) - 1):064x}"


def _submit(cli, tmp_path, values, name="removed.jsonl", **kw):
    path = tmp_path / name
    path.write_text("".join(pdq_line(v) + "\n" for v in values))
    result = cli("submit", path, "--label", LABEL, **kw)
    assert result.exit_code == 0, result.output
    return path


def test_feedback_on_the_hash_of_an_upload_reaches_the_matched_signal(cli, globex, tmp_path):
    stored = secrets.token_hex(32)
    _submit(cli, tmp_path, [stored])
    upload = tmp_path / "upload.jsonl"
    upload.write_text(pdq_line(_near(stored)) + "\n")  # what `hash` printed for the upload
    result = cli("feedback", upload, "--verdict", "disagree", "--reason", "news footage",
                 "--json", as_=globex)  # fmt: skip
    assert result.exit_code == 0, result.output
    [signal] = json_lines(cli("signals", "feed", "--json", as_=globex).stdout)
    state = json.loads(cli("signals", "get", signal["signal_id"], "--json", as_=globex).stdout)
    assert state["feedback"] == {"agree": 0, "disagree": 1} and state["disputed"] is True

    one = cli("feedback", "--value", _near(stored), "--type", "pdq", "--verdict", "agree",
              "--reason", "re-reviewed", as_=globex)  # fmt: skip
    assert one.exit_code == 0, one.output
    assert one.stdout.startswith("statement ")

    nothing = cli("feedback", "--value", secrets.token_hex(32), "--type", "pdq",
                  "--verdict", "agree", "--reason", "r", as_=globex)  # fmt: skip
    assert nothing.exit_code == 1 and "no signal matches" in nothing.stderr


def test_match_json_lines_and_signal_ids_are_accepted(cli, globex, tmp_path):
    values = [secrets.token_hex(32) for _ in range(2)]
    _submit(cli, tmp_path, values)
    matched = cli("match", "--value", _near(values[0]), "--type", "pdq", "--json", as_=globex)
    assert matched.exit_code == 0, matched.output
    found = tmp_path / "found.jsonl"
    found.write_text(matched.stdout)
    [line] = json_lines(matched.stdout)
    [match] = line["matches"]
    agree = cli("feedback", found, "--verdict", "agree", "--reason", "confirmed", as_=globex)
    assert agree.exit_code == 0, agree.output
    assert "1 new" in agree.stdout or "1 " in agree.stdout

    by_id = cli("feedback", "--signal-id", match["signal_id"], "--verdict", "disagree",
                "--reason", "second look", "--json", as_=globex)  # fmt: skip
    assert by_id.exit_code == 0, by_id.output
    assert json.loads(by_id.stdout)["items"][0]["signal_id"] == match["signal_id"]

    retract = cli("retract", found, "--reason", "re-reviewed")  # acme's own contribution
    assert retract.exit_code == 0, retract.output
    gone = cli("signals", "get", match["signal_id"], "--json")
    assert json.loads(gone.stdout)["status"] == "retracted"
    mine = json.loads(gone.stdout)["your_contribution"]
    assert mine["status"] == "retracted" and mine["retraction_reason"] == "re-reviewed"
    shown = cli("signals", "get", match["signal_id"]).stdout  # and for people
    assert "retraction_reason=re-reviewed" in shown
    other = json_lines(cli("signals", "feed", "--json").stdout)
    assert {s["signal_id"] for s in other if s.get("status") != "retracted"} != set()

    missing = cli("retract", "--signal-id", 999999, "--reason", "r")
    assert missing.exit_code == 1 and "no signal 999999" in missing.stderr


def test_signals_mine_and_feed(cli, globex, tmp_path):
    mine = [secrets.token_hex(32) for _ in range(2)]
    _submit(cli, tmp_path, mine)
    _submit(cli, tmp_path, [secrets.token_hex(32)], name="theirs.jsonl", as_=globex)
    feed = cli("signals", "feed", "--limit", "1")
    assert feed.exit_code == 0, feed.output
    assert len(feed.stdout.splitlines()) == 3 and "next cursor:" in feed.stderr
    listed = cli("signals", "mine", "--json")
    assert listed.exit_code == 0, listed.output
    assert sorted(s["value"] for s in json_lines(listed.stdout)) == sorted(mine)


def test_labels_lists_every_family(cli):
    text = cli("labels")
    assert text.exit_code == 0, text.output
    names = [line.split("\t")[0] for line in text.stdout.splitlines()]
    assert LABEL in names
    assert any(n.startswith("entity:") for n in names)
    assert any(n.startswith("incident:") for n in names)
    as_json = json_lines(cli("labels", "--json").stdout)
    assert {"label", "family", "description"} <= set(as_json[0])


def test_retract_and_feedback_repeated_answer_unchanged(cli, globex, tmp_path):
    stored = secrets.token_hex(32)
    _submit(cli, tmp_path, [stored])
    _submit(cli, tmp_path, [stored], name="theirs.jsonl", as_=globex)
    [signal] = json_lines(cli("signals", "feed", "--json").stdout)
    # Other reasons make other envelopes: a repeat, not the same statement sent twice.
    for reason in ("seen it", "seen it again"):
        agree = cli("feedback", "--signal-id", signal["signal_id"], "--verdict", "agree",
                    "--reason", reason, "--json", as_=globex)  # fmt: skip
        assert agree.exit_code == 0, agree.output
    assert json.loads(agree.stdout)["items"][0]["status"] == "unchanged"
    retract = ("retract", "--value", stored, "--type", "pdq", "--reason")
    first = cli(*retract, "re-reviewed", "--json")
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["items"][0]["status"] == "contribution_retracted"
    again = cli(*retract, "re-reviewed twice")
    assert again.exit_code == 0, again.output
    assert again.stdout.endswith(": 1 unchanged\n")
