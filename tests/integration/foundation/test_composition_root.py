"""The composition root wires the parts and none of them holds it: no object cycle
runs through the ``Root``, and each long-lived part can be built and used without one."""

from __future__ import annotations

import threading
from collections import deque

from clearinghouse.bootstrap import Root


def _reaches(start: object, target: object, limit: int = 5_000) -> list[str] | None:
    """The attribute path from ``start`` to ``target`` through instance attributes,
    containers and bound methods, or None."""
    seen = {id(start)}
    todo: deque[tuple[object, list[str]]] = deque([(start, [type(start).__name__])])
    while todo and len(seen) < limit:
        here, path = todo.popleft()
        if here is target:
            return path
        if isinstance(here, dict):
            nexts = [(f"[{k!r}]", v) for k, v in here.items()]
        elif isinstance(here, list | tuple | set | frozenset | deque):
            nexts = [(f"[{i}]", v) for i, v in enumerate(here)]
        elif hasattr(here, "__self__") and hasattr(here, "__func__"):
            nexts = [(".__self__", here.__self__)]
        elif hasattr(here, "__dict__") and not isinstance(here, type | threading.Thread):
            nexts = [(f".{k}", v) for k, v in vars(here).items()]
        else:
            nexts = []
        for name, value in nexts:
            if id(value) not in seen:
                seen.add(id(value))
                todo.append((value, [*path, name]))
    return None


def test_no_long_lived_part_holds_the_root(root: Root):
    parts = {
        "matcher": root.matcher,
        "follower": root.follower,
        "deliverer": root.deliverer,
        "directory": root.directory,
        "incidents": root.incidents,
        "suppressions": root.suppressions,
        "log_key": root.log_key,
    }
    held = {name: _reaches(part, root) for name, part in parts.items()}
    assert held == dict.fromkeys(parts)


def test_the_walk_finds_a_root_held_through_a_bound_method(root: Root):
    class Holder:
        def __init__(self, callback):
            self.callbacks = [callback]

    assert _reaches(Holder(root.statement_applied), root) == [
        "Holder",
        ".callbacks",
        "[0]",
        ".__self__",
    ]
