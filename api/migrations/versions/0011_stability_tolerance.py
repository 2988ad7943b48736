"""Team setting `stability_tolerance`: how much balance a regeneration may give up to keep the
published plan, in periods of load per unit of weight; and `plan_inputs`, the digest of the
planning inputs the plan was last regenerated from.

Revision ID: 0011
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("team") as batch_op:
        batch_op.add_column(
            sa.Column(
                "stability_tolerance", sa.Float(), server_default=sa.text("0.5"), nullable=False
            )
        )
        batch_op.add_column(sa.Column("plan_inputs", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("team") as batch_op:
        batch_op.drop_column("plan_inputs")
        batch_op.drop_column("stability_tolerance")
