"""Held signals: each signal's last hold or release, and per-window match counts.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "signal_holds",
        sa.Column("signal_id", _ID, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("by", sa.String(length=63), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["signal_id"], ["signals.id"], name=op.f("fk_signal_holds_signal_id_signals")
        ),
        sa.PrimaryKeyConstraint("signal_id", name=op.f("pk_signal_holds")),
    )
    op.create_table(
        "signal_match_counts",
        sa.Column("signal_id", _ID, nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("matches", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["signal_id"], ["signals.id"], name=op.f("fk_signal_match_counts_signal_id_signals")
        ),
        sa.PrimaryKeyConstraint("signal_id", "window_start", name=op.f("pk_signal_match_counts")),
    )
    op.create_index(
        "ix_signal_match_counts_window", "signal_match_counts", ["window_start"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_signal_match_counts_window", table_name="signal_match_counts")
    op.drop_table("signal_match_counts")
    op.drop_table("signal_holds")
