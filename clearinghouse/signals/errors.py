"""The one error signals raise for bad input: an ``InvalidInput`` that names its field.

Keeping the field and the reason apart lets a statement validator put them, with the
item's index, into the ``errors`` list of a 400 answer.
"""

from __future__ import annotations

from clearinghouse.errors import InvalidInput

__all__ = ["SignalError"]


class SignalError(InvalidInput):
    """A value that is not a well-formed signal; ``field`` says which part is wrong."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}", errors=[{"field": field, "reason": reason}])
        self.field = field
        self.reason = reason
