"""Region PDQs of signals: aliases in the PDQ index, never shown (DESIGN §15).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 10:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "signal_regions",
        sa.Column(
            "signal_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("slot", sa.SmallInteger(), nullable=False),
        sa.Column("code", sa.LargeBinary(length=32), nullable=False),
        sa.Column("quality", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["signal_id"], ["signals.id"], name=op.f("fk_signal_regions_signal_id_signals")
        ),
        sa.PrimaryKeyConstraint("signal_id", "slot", name=op.f("pk_signal_regions")),
    )


def downgrade() -> None:
    op.drop_table("signal_regions")
