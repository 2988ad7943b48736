"""Holiday calendar codes up to 64 characters (regions such as 'NZ-South Canterbury').

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("team") as batch_op:
        batch_op.alter_column(
            "holidays", existing_type=sa.String(length=16), type_=sa.String(length=64)
        )


def downgrade() -> None:
    with op.batch_alter_table("team") as batch_op:
        batch_op.alter_column(
            "holidays", existing_type=sa.String(length=64), type_=sa.String(length=16)
        )
