"""Reading the change feed strictly: a page that does not have the contract's shape, or
that would not move the cursor, is an error — never a retry of the same page forever."""

import typing as t

from clearinghouse.errors import VerificationError
from clearinghouse.wire import parse_time

__all__ = ["FeedPage", "parse_page"]


class FeedPage(t.NamedTuple):
    signals: list[dict[str, t.Any]]
    next: str | None
    checkpoint_time: int | None  # Unix seconds


def parse_page(answer: t.Any, after: str | None) -> FeedPage:
    """The page of ``GET /v1/signals?after=…``, checked; VerificationError if malformed."""
    if not isinstance(answer, dict):
        raise _malformed("the answer is not a JSON object")
    signals, cursor = answer.get("signals"), answer.get("next")
    if not isinstance(signals, list):
        raise _malformed('"signals" is not a list')
    if cursor is not None and not isinstance(cursor, str):
        raise _malformed('"next" is neither a cursor nor null')
    for i, s in enumerate(signals):
        _check_signal(s, i)
    if signals and (cursor is None or cursor == after):
        raise _malformed("a page of signals that does not move the cursor")
    return FeedPage(signals, cursor, _seconds(answer.get("checkpoint_time")))


def _check_signal(s: t.Any, i: int) -> None:
    if not isinstance(s, dict):
        raise _malformed(f"signal {i} is not an object")
    if not isinstance(s.get("signal_id"), int) or isinstance(s.get("signal_id"), bool):
        raise _malformed(f"signal {i} has no integer signal_id")
    if not isinstance(s.get("signal_type"), str):
        raise _malformed(f"signal {i} has no signal_type")
    status = s.get("status")
    if status == "retracted":
        return
    if status != "active":
        raise _malformed(f"signal {i} has status {status!r}")
    if not isinstance(s.get("value"), str | list):
        raise _malformed(f"signal {i} has no value")
    labels = s.get("labels", {})
    if not isinstance(labels, dict) or not all(isinstance(k, str) for k in labels):
        raise _malformed(f"signal {i}: labels is not an object of label counts")
    for name in ("confirmed", "disputed", "is_mine"):
        if not isinstance(s.get(name, False), bool):
            raise _malformed(f"signal {i}: {name} is not true or false")
    types = s.get("content_types", [])
    if not isinstance(types, list) or not all(isinstance(x, str) for x in types):
        raise _malformed(f"signal {i}: content_types is not a list of strings")


def _seconds(text: t.Any) -> int | None:
    if text is None:
        return None
    if not isinstance(text, str):
        raise _malformed('"checkpoint_time" is not a time')
    try:
        return int(parse_time(text).timestamp())
    except ValueError as exc:
        raise _malformed(f'"checkpoint_time": {exc}') from None


def _malformed(why: str) -> VerificationError:
    return VerificationError(f"malformed change feed page: {why}")
