"""Schema use case: bring the database to the migrations' head."""

from __future__ import annotations

from clearinghouse.config import Settings, ensure_data_dir
from clearinghouse.errors import ConfigError
from clearinghouse.store import migrate
from clearinghouse.store.db import Database

__all__ = ["require_current", "upgrade"]

_HOW = (
    "create it with `clearinghouse db upgrade`, or point CLEARINGHOUSE_DATA_DIR (or "
    "CLEARINGHOUSE_DATABASE_URL) at the server's database"
)


def require_current(settings: Settings) -> None:
    """Refuse, naming the database and the fix, unless it exists at the migrations' head.

    Checked before anything is built, so a command run from the wrong directory creates
    no stray data directory or empty database there.
    """
    url = settings.effective_database_url
    path = migrate.sqlite_file(url)
    where = str(path) if path is not None else "the configured database"
    if path is not None and not path.exists():
        raise ConfigError(f"no database at {path}: {_HOW}")
    db = Database(url)
    try:
        current = migrate.current_revision(db.engine)
    finally:
        db.dispose()
    head = migrate.head_revision(url)
    if current is None:
        raise ConfigError(f"{where} has no clearinghouse schema: {_HOW}")
    if current != head:
        raise ConfigError(
            f"{where} is at schema revision {current}, this version needs {head}: "
            "run `clearinghouse db upgrade`"
        )


def upgrade(settings: Settings, db: Database, revision: str = "head") -> str | None:
    """Apply migrations; return the revision the database is at afterwards."""
    if settings.is_sqlite and settings.database_url is None:
        ensure_data_dir(settings.data_dir)
    migrate.upgrade(settings.effective_database_url, revision)
    return migrate.current_revision(db.engine)
