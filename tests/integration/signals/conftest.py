"""The signals tests share one session fixture of real photographs."""

from tests.photos import photos

__all__ = ["photos"]
