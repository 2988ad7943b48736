"""Team fairness settings (day weights, extra holidays, fairness_since) and the audit log.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Server defaults give existing teams the usual weights and no extra holidays.
    with op.batch_alter_table("team") as batch_op:
        batch_op.add_column(sa.Column("fairness_since", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("weekday_weight", sa.Float(), server_default=sa.text("1.0"), nullable=False)
        )
        batch_op.add_column(
            sa.Column("weekend_weight", sa.Float(), server_default=sa.text("1.5"), nullable=False)
        )
        batch_op.add_column(
            sa.Column("holiday_weight", sa.Float(), server_default=sa.text("2.0"), nullable=False)
        )
        batch_op.add_column(
            sa.Column("extra_holidays", sa.JSON(), server_default=sa.text("'[]'"), nullable=False)
        )

    # No foreign key to team: the log outlives a deleted team.
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit") as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_team_id"), ["team_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit") as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_team_id"))
        batch_op.drop_index(batch_op.f("ix_audit_at"))
    op.drop_table("audit")

    with op.batch_alter_table("team") as batch_op:
        batch_op.drop_column("extra_holidays")
        batch_op.drop_column("holiday_weight")
        batch_op.drop_column("weekend_weight")
        batch_op.drop_column("weekday_weight")
        batch_op.drop_column("fairness_since")
