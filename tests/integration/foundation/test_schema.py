"""Migrations produce exactly the models' schema, and round-trip."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from clearinghouse.store import migrate
from clearinghouse.store.models import Base


def _diff(url):
    engine = create_engine(url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    engine.dispose()
    return diff


def test_migrated_schema_equals_models(database_url):
    assert _diff(database_url) == []


def test_downgrade_then_upgrade_round_trips(database_url):
    migrate.downgrade(database_url, "base")
    engine = create_engine(database_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    migrate.upgrade(database_url)
    assert _diff(database_url) == []
    engine = create_engine(database_url)
    assert migrate.current_revision(engine) == migrate.head_revision(database_url)
    engine.dispose()
