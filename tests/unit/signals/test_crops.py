"""PDQs of many boxes at once (signals/hashing/crops.py) against their slow twin, PDQ of
each crop on its own (signals/hashing/pdq.py)."""

from __future__ import annotations

import numpy as np
import pytest

from clearinghouse.signals.hashing.crops import _banded
from clearinghouse.signals.hashing.pdq import _reducer


@pytest.mark.parametrize("n", [*range(5, 140), 255, 256, 257, 511, 512, 767, 768, 1023, 1024, 4000])
def test_the_banded_reducer_is_pdqs_reducer(n):
    at, weight = _banded(n)
    dense = np.zeros((64, n), np.float32)
    for row in range(64):
        np.add.at(dense[row], at[row], weight[row])
    assert np.array_equal(dense, _reducer(n))
