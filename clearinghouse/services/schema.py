"""Schema use case: bring the database to the migrations' head."""

from __future__ import annotations

from clearinghouse.config import Settings, ensure_data_dir
from clearinghouse.store import migrate
from clearinghouse.store.db import Database

__all__ = ["upgrade"]


def upgrade(settings: Settings, db: Database, revision: str = "head") -> str | None:
    """Apply migrations; return the revision the database is at afterwards."""
    if settings.is_sqlite and settings.database_url is None:
        ensure_data_dir(settings.data_dir)
    migrate.upgrade(settings.effective_database_url, revision)
    return migrate.current_revision(db.engine)
