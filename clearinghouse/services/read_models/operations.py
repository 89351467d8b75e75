"""What the operations metrics report beyond request counts: the log's size, and how
far this process's matching indexes trail the signal changes in it (DESIGN §13)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from clearinghouse.store.operations import log_figures

if TYPE_CHECKING:
    from clearinghouse.store.db import Database

__all__ = ["IndexView", "LogView", "index_view", "log_view"]


@dataclass(frozen=True)
class LogView:
    size: int
    signals_head: int  # log index of the latest signal change, -1 when none


@dataclass(frozen=True)
class IndexView:
    position: int  # log index of the latest signal change the indexes reflect
    sizes: dict[str, int]  # entries per signal type
    ready: bool


def log_view(db: Database) -> LogView:
    with db.read() as session:
        size, head = log_figures(session)
    return LogView(size, head)


def index_view(matcher) -> IndexView | None:
    """The indexes of one process as the follower has brought them up to date; None while
    they are still loading (a request must not wait for the load to ask their size)."""
    if not matcher.ready.is_set():
        return None
    sizes = matcher.index_set.sizes()
    return IndexView(int(matcher.cursor[0]), sizes, True)
