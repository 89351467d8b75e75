"""The error a file that cannot be hashed raises."""

from __future__ import annotations

from clearinghouse.errors import InvalidInput

__all__ = ["HashingError"]


class HashingError(InvalidInput):
    """A file that is corrupt, unreadable, too large or of no requested kind (message says why)."""
