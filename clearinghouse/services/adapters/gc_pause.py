"""The cyclic garbage collector held off while a statement is handled.

A 10,000-item statement makes a few hundred thousand small records (parsed items,
histories, changes) that all live until it commits, and nearly none forms a cycle: they
are freed by reference counting as soon as the statement is done. While they live, the
collector keeps finding "survivors" and sweeps the whole heap over and over (a third or
more of a statement's time, measured). So the collector pauses for the statement and
resumes after it; reference counting frees everything as before, and any cycle made
meanwhile is collected once the collector runs again. Pauses from several threads nest:
the collector resumes when the last one ends, and only if it was running before.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]

_lock = threading.Lock()
_state = {"pauses": 0, "was_enabled": False}


@contextmanager
def collector_paused() -> Iterator[None]:
    """Hold off the cyclic garbage collector for the block (see the module docstring)."""
    with _lock:
        if _state["pauses"] == 0:
            _state["was_enabled"] = gc.isenabled()
            gc.disable()
        _state["pauses"] += 1
    try:
        yield
    finally:
        with _lock:
            _state["pauses"] -= 1
            if _state["pauses"] == 0 and _state["was_enabled"]:
                gc.enable()
