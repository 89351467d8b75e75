"""References (retractions, feedback, lookups) name a hash; quality is optional there."""

import pytest

from clearinghouse.errors import InvalidInput
from clearinghouse.signals import build_registry, parse_items

PDQ = "ab" * 32


def test_reference_needs_no_quality_but_a_submission_does():
    registry = build_registry()
    assert registry.parse_reference("pdq", PDQ.upper()).value == PDQ
    with pytest.raises(InvalidInput, match="quality"):
        registry.parse("pdq", PDQ)


@pytest.mark.parametrize("quality", [101, -1, "high"])
def test_a_given_quality_is_still_checked(quality):
    with pytest.raises(InvalidInput, match="quality"):
        build_registry().parse_reference("pdq", PDQ, quality)


def test_parse_items_as_references_lists_bad_values_by_index():
    with pytest.raises(InvalidInput) as info:
        parse_items(
            build_registry(),
            [{"signal_type": "pdq", "value": PDQ}, {"signal_type": "pdq", "value": "zz"}],
            references=True,
        )
    assert [e["index"] for e in info.value.errors] == [1]
