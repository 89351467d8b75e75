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

    def require(self, role: str) -> None:
        """Raise Forbidden unless the caller holds ``role``."""
        if role not in self.roles:
            raise Forbidden(f"member {self.member!r} lacks the {role!r} role")
