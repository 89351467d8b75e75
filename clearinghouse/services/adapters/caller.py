"""The member a request was authenticated as, and its role check."""

from __future__ import annotations

from dataclasses import dataclass

from clearinghouse.errors import Forbidden

__all__ = ["Caller"]


@dataclass(frozen=True)
class Caller:
    """An authenticated member and the key that signed the request."""

    member: str
    key_id: str
    roles: frozenset[str]

    def require(self, role: str, *others: str) -> None:
        """Raise Forbidden unless the caller holds ``role`` (or one of ``others``)."""
        wanted = (role, *others)
        if not self.roles.intersection(wanted):
            names = " or ".join(repr(r) for r in wanted)
            raise Forbidden(f"member {self.member!r} lacks the {names} role")
