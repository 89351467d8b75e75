"""PDQ dihedral variants: from the image (exactly as the reference) and from the hash alone."""

from __future__ import annotations

import pytest

from clearinghouse.signals import SignalError, dihedral_variants


def test_variants_are_an_involution_where_the_group_says_so():
    value = f"{0x1234567890ABCDEF1234567890ABCDEF1234567890ABCDEF1234567890ABCDEF:064x}"
    for name in ("rotate180", "flipx", "flipy", "flipplus1", "flipminus1"):
        once = dihedral_variants(value)[name]
        assert dihedral_variants(once)[name] == value, name


def test_bad_hash_is_refused():
    with pytest.raises(SignalError, match="expected 64 hex characters"):
        dihedral_variants("abc")
