"""The fold knows every entry type the service writes, and refuses what the rules refuse."""

from __future__ import annotations

import rfc8785

from clearinghouse.domain.log_state import FOLD, fold
from clearinghouse.services.log_entries import ENTRY_TYPES
from clearinghouse.signals.registry import default_registry


def test_every_entry_type_has_a_fold_step():
    assert set(FOLD) == set(ENTRY_TYPES)


def test_unknown_types_and_broken_entries_are_problems_not_crashes():
    entries = [
        rfc8785.dumps({"type": "member_suspended", "time": "2026-11-28T00:00:00.000Z",
                       "member": "nobody"}),
        rfc8785.dumps({"type": "weather", "time": "2026-11-28T00:00:01.000Z"}),
    ]  # fmt: skip
    state = fold(enumerate(entries), default_registry())
    assert state.size == 2
    assert [p.split(":")[0] for p in state.problems] == ["entry 0 (member_suspended)", "entry 1"]
