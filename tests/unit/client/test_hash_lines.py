"""The three forms of hash file: every line read, bad ones named rather than raised."""

from __future__ import annotations

import pytest

from clearinghouse.client.hash_lines import read_hash_lines

MD5 = "0123456789abcdef0123456789abcdef"
SHA256 = MD5 * 2


def _read(tmp_path, text: str):
    path = tmp_path / "in.txt"
    path.write_text(text)
    return list(read_hash_lines(path))


def test_json_lines_with_unhashed_files_and_blanks(tmp_path):
    lines = _read(tmp_path, f'{{"signal_type": "md5", "value": "{MD5}"}}\n\n'
                            '{"path": "a.jpg", "error": "cannot decode"}\n')  # fmt: skip
    assert lines[0].record == {"signal_type": "md5", "value": MD5}
    assert (lines[1].record, lines[1].skipped, lines[1].error) == (None, None, None)
    assert lines[2].skipped == "a.jpg: cannot decode"


def test_threatexchange_csv(tmp_path):
    text = ("signal_type,signal_str,collab,category,tags\n"
            f"video_md5,{MD5},c,POSITIVE_CLASS,behaviour:attacker-manifesto free-text\n"
            "pdq,abc,c,INVESTIGATION_SEED,\n"
            f"video_sha256,{SHA256},c,POSITIVE_CLASS,\n")  # fmt: skip
    header, first, second, third = _read(tmp_path, text)
    assert header.record is None and header.error is None
    assert first.record == {"signal_type": "md5", "value": MD5,
                            "labels": ["behaviour:attacker-manifesto"]}  # fmt: skip
    assert second.record == {"signal_type": "pdq", "value": "abc"}
    assert third.record == {"signal_type": "sha256", "value": SHA256}


def test_a_tmk_value_in_csv_and_in_words(tmp_path):
    """A tmk value (base64 of a .tmk file) is 351,128 characters: over csv's default limit."""
    value = "A" * 351_128
    _header, row = _read(
        tmp_path, f"signal_type,signal_str,collab,category,tags\ntmk,{value},c,POSITIVE_CLASS,\n"
    )
    assert row.record == {"signal_type": "tmk", "value": value}
    [line] = _read(tmp_path, f"tmk {value}\n")
    assert line.record == {"signal_type": "tmk", "value": value}


def test_type_value_lines(tmp_path):
    first, second = _read(tmp_path, f"MD5 {MD5}\npdq {'f' * 64} 77\n")
    assert first.record == {"signal_type": "md5", "value": MD5}
    assert second.record == {"signal_type": "pdq", "value": "f" * 64, "quality": 77}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"signal_type": "md5"\n', "not a JSON line"),
        (f'{{"signal_type": "md5", "value": "{MD5}"}}\n[1, 2]\n', "not a JSON object"),
        ("md5\n", "expected `type value`"),
        (f"pdq {'f' * 64} high\n", "must be a quality"),
        (f"md5 {MD5} 1 2\n", "expected `type value`"),
        ("signal_type,signal_str,collab,category,tags\nmd5,only-two\n", "expected 5 CSV fields"),
    ],
)
def test_bad_lines_are_named_not_raised(tmp_path, text, reason):
    bad = _read(tmp_path, text)[-1]
    assert bad.record is None and reason in bad.error
