"""Which optional install a missing third-party package belongs to (pyproject extras).

The base install is a member's: commands that need the server's or the hashing
dependencies say which extra to install instead of failing with a traceback.
"""

from __future__ import annotations

__all__ = ["MissingExtra", "extra_for", "missing_extra"]

_EXTRAS = {
    "server": (
        "flask",
        "werkzeug",
        "sqlalchemy",
        "alembic",
        "psycopg",
        "granian",
        "faiss",
        "redis",
        "prometheus_client",
    ),
    "hashing": ("PIL", "imagehash", "pdqhash", "av"),
}
_BY_PACKAGE = {package: extra for extra, packages in _EXTRAS.items() for package in packages}


class MissingExtra(Exception):
    """A command needs an optional install that is not there."""

    def __init__(self, extra: str, package: str) -> None:
        super().__init__(
            f"this command needs the {extra} install ({package} is missing): "
            f"pip install '/path/to/clearinghouse[{extra}]' (the repository checkout)"
        )
        self.extra = extra


def extra_for(package: str | None) -> str | None:
    """The extra that provides top-level ``package``, if any."""
    return _BY_PACKAGE.get((package or "").partition(".")[0])


def missing_extra(exc: ModuleNotFoundError) -> MissingExtra | None:
    """The MissingExtra behind an import error, or None when it is something else."""
    extra = extra_for(exc.name)
    return None if extra is None else MissingExtra(extra, exc.name or "?")
