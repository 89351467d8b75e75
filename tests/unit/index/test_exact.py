"""ExactIndex against a dict-of-sets twin."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clearinghouse.index import ExactIndex

VALUES = [bytes([k]) * 16 for k in range(6)]


@settings(max_examples=80, deadline=None)
@given(
    ops=st.lists(
        st.tuples(st.booleans(), st.integers(0, 12), st.integers(0, len(VALUES) - 1)),
        max_size=40,
    )
)
def test_matches_a_dict_of_sets(ops: list[tuple[bool, int, int]]) -> None:
    index = ExactIndex(16)
    twin: dict[int, bytes] = {}
    for is_add, id_, v in ops:
        if is_add:
            index.add([id_], [VALUES[v]])
            twin[id_] = VALUES[v]
        else:
            index.remove([id_])
            twin.pop(id_, None)
        assert len(index) == len(twin)
    for value in VALUES:
        expected = sorted(i for i, v in twin.items() if v == value)
        assert index.search(value).ids.tolist() == expected
    assert [r.ids.tolist() for r in index.search_many(VALUES[:2], 0)] == [
        sorted(i for i, v in twin.items() if v == value) for value in VALUES[:2]
    ]
    asked = list(range(-1, 14))
    codes, found = index.values_of(asked)
    assert found.tolist() == [i in twin for i in asked]
    assert [codes[n].tobytes() for n, i in enumerate(asked) if i in twin] == [
        twin[i] for i in asked if i in twin
    ]


def test_accepts_arrays_and_refuses_wrong_lengths() -> None:
    index = ExactIndex(16)
    index.add([4], [np.frombuffer(VALUES[1], np.uint8)])
    assert index.search(VALUES[1]).ids.tolist() == [4]
    with pytest.raises(ValueError, match="16 bytes"):
        index.search(b"short")
    with pytest.raises(ValueError):
        index.add([1, 2], [VALUES[0]])
