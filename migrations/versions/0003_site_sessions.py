"""Sign-in links and sessions of the transparency site.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 05:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "site_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("member_id", sa.String(length=63), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_site_sessions_member_id_members")
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_site_sessions")),
    )
    with op.batch_alter_table("site_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_site_sessions_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("site_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_sessions_expires_at"))
    op.drop_table("site_sessions")
