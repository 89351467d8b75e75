"""Drop the signal_id indexes of contributions and feedback.

The unique (signal_id, member_id) constraints already index signal_id first; the extra
indexes only slowed bulk submissions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 20:59:35.264952
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contributions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contributions_signal_id"))

    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_signal_id"))


def downgrade() -> None:
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_signal_id"), ["signal_id"], unique=False)

    with op.batch_alter_table("contributions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contributions_signal_id"), ["signal_id"], unique=False)
