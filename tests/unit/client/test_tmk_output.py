"""How `clearinghouse match` prints a TMK lookup: both scores, and no 351 KB value."""

from __future__ import annotations

import json

from clearinghouse.cli.lookup import _print_matches

RECORD = {"path": "v.mp4", "signal_type": "tmk", "value": "A" * 351_128}
MATCH = {"signal_id": 7, "distance": 28, "level1_score": 0.981, "level2_score": 0.9718,
         "confirmed": True, "contributors": 2, "labels": {"behaviour:x": 2}}  # fmt: skip


def test_text_shows_both_scores_and_not_the_value(capsys):
    _print_matches(RECORD, [MATCH], as_json=False)
    out = capsys.readouterr().out
    assert "A" * 100 not in out and "351,128 base64 characters" in out
    assert out.count("level 1 0.981 / level 2 0.9718") == 2  # the verdict and the match


def test_json_keeps_everything(capsys):
    _print_matches(RECORD, [MATCH], as_json=True)
    line = json.loads(capsys.readouterr().out)
    assert line["value"] == RECORD["value"] and line["matches"] == [MATCH]
    assert line["why"] == "1 tmk signal(s); nearest 7 level 1 0.981 / level 2 0.9718"
