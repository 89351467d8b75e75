"""Reading files of hashes in the three forms members hold them.

- **JSON Lines**, as ``clearinghouse hash`` prints (``{"path", "signal_type", "value",
  "quality"?, "content_type"}``; a file it could not hash is ``{"path", "error"}``), as
  ``clearinghouse match --json`` prints (the query plus its ``matches``), or as
  ``clearinghouse export`` prints (signals with their ``signal_id``).
- **The ``threatexchange dataset --csv`` file**: a header
  ``signal_type,signal_str,collab,category,tags`` then one row per signal; tags that are
  labels of the taxonomy ride along as labels.
- **``type value`` lines**, e.g. ``md5 0123…`` or ``pdq <64 hex> 90`` (a PDQ quality as
  third field), the plain form other tools print.

Each line becomes a ``HashLine``: its number, its raw bytes (the journal hashes them), and
either the record, a reason it carries nothing (a file ``hash`` could not read), or the
error that makes it unreadable. Nothing is raised per line, so a caller can name every
bad line at once.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clearinghouse.errors import InvalidInput
from clearinghouse.wire import EXCHANGE_NAMES

__all__ = ["CSV_HEADER", "HashLine", "read_hash_lines", "signal_of"]

CSV_HEADER = ("signal_type", "signal_str", "collab", "category", "tags")
# Names python-threatexchange gives our types, read back (and photo_md5, which it also has).
_FROM_EXCHANGE = {name: ours for ours, name in EXCHANGE_NAMES.items()} | {"photo_md5": "md5"}


@dataclass(frozen=True)
class HashLine:
    """One input line: a record, a reason it holds nothing, or why it cannot be read."""

    number: int
    raw: bytes
    record: dict[str, Any] | None = None
    skipped: str | None = None
    error: str | None = None


def read_hash_lines(path: str | Path) -> Iterator[HashLine]:
    """Every line of ``path``, in order; blank lines and a CSV header hold nothing."""
    form = None
    try:
        fh = open(path, "rb")  # noqa: SIM115 — only the open itself is guarded
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None
    with fh:
        for number, raw in enumerate(fh, start=1):
            raw = raw.rstrip(b"\r\n")
            text = raw.decode("utf-8", "replace").strip()
            if not text:
                yield HashLine(number, raw)
                continue
            if form is None:
                form = _form_of(text)
                if form == "csv":
                    yield HashLine(number, raw)  # the header
                    continue
            yield _parse(number, raw, text, form)


_CSV_FIELD_LIMIT = 1 << 20


def _form_of(first: str) -> str:
    if first.startswith("{"):
        return "json"
    if tuple(c.strip() for c in first.split(",")) == CSV_HEADER:
        return "csv"
    return "words"


def _parse(number: int, raw: bytes, text: str, form: str) -> HashLine:
    try:
        if form == "csv":
            record = _csv_row(text)
        elif form == "words" and not text.startswith("{"):
            record = _words(text)
        else:
            record = _json(text)
    except ValueError as exc:
        return HashLine(number, raw, error=str(exc))
    if "error" in record and "value" not in record:
        return HashLine(number, raw, skipped=f"{record.get('path', '?')}: {record['error']}")
    return HashLine(number, raw, record=record)


def _json(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError:
        raise ValueError("not a JSON line") from None
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data


def _csv_row(text: str) -> dict[str, Any]:
    # A tmk value (base64 of a .tmk file) is 351,128 characters, above csv's default limit.
    csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise ValueError(f"not a CSV row: {exc}") from None
    if len(rows) != 1 or len(rows[0]) != len(CSV_HEADER):
        raise ValueError(f"expected {len(CSV_HEADER)} CSV fields: {','.join(CSV_HEADER)}")
    row = dict(zip(CSV_HEADER, rows[0], strict=True))
    record: dict[str, Any] = {
        "signal_type": _FROM_EXCHANGE.get(row["signal_type"], row["signal_type"]),
        "value": row["signal_str"],
    }
    labels = [tag for tag in row["tags"].split() if ":" in tag]
    if labels:
        record["labels"] = labels
    return record


def _words(text: str) -> dict[str, Any]:
    words = text.split()
    if len(words) not in (2, 3):
        raise ValueError("expected `type value` or `pdq value quality`")
    record: dict[str, Any] = {
        "signal_type": _FROM_EXCHANGE.get(words[0].lower(), words[0].lower()),
        "value": words[1],
    }
    if len(words) == 3:
        if not words[2].isdigit():
            raise ValueError(f"the third field must be a quality 0–100, got {words[2]!r}")
        record["quality"] = int(words[2])
    return record


def signal_of(record: dict[str, Any]) -> dict[str, Any]:
    """The signal a record names: ``signal_type``, ``value`` and ``quality`` when known."""
    missing = [name for name in ("signal_type", "value") if record.get(name) in (None, "")]
    if missing:
        raise InvalidInput(f"the line has no {' and no '.join(missing)}")
    signal = {"signal_type": record["signal_type"], "value": record["value"]}
    # The quality is part of how a PDQ hash is given; it rides along wherever it is known.
    if record.get("quality") is not None:
        signal["quality"] = record["quality"]
    return signal
