"""Schema use case: bring the database to the migrations' head."""

from __future__ import annotations

from clearinghouse.services.context import ServiceContext, ensure_data_dir
from clearinghouse.store import migrate

__all__ = ["upgrade"]


def upgrade(ctx: ServiceContext, revision: str = "head") -> str | None:
    """Apply migrations; return the revision the database is at afterwards."""
    if ctx.settings.is_sqlite and ctx.settings.database_url is None:
        ensure_data_dir(ctx.settings.data_dir)
    migrate.upgrade(ctx.settings.effective_database_url, revision)
    return migrate.current_revision(ctx.db.engine)
