"""Lead adjustments: overrides, swaps, swapped assignments, member tokens, team write versions.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("team") as batch_op:
        batch_op.add_column(
            sa.Column(
                "swap_approval", sa.Boolean(), server_default=sa.text("false"), nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("version", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
    with op.batch_alter_table("assignment") as batch_op:
        batch_op.add_column(
            sa.Column(
                "source", sa.String(length=16), server_default=sa.text("'rotation'"), nullable=False
            )
        )
    with op.batch_alter_table("api_token") as batch_op:
        batch_op.add_column(sa.Column("member", sa.String(length=64), nullable=True))
        batch_op.create_foreign_key(
            "fk_api_token_member_person", "person", ["member"], ["id"], ondelete="CASCADE"
        )

    op.create_table(
        "override",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_override_team_span", "override", ["team_id", "role", "start", "end"])

    op.create_table(
        "swap",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("from_person_id", sa.String(length=64), nullable=False),
        sa.Column("from_period_index", sa.Integer(), nullable=False),
        sa.Column("from_period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("to_person_id", sa.String(length=64), nullable=False),
        sa.Column("to_period_index", sa.Integer(), nullable=False),
        sa.Column("to_period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["from_person_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["to_person_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_swap_team_status", "swap", ["team_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_swap_team_status", table_name="swap")
    op.drop_table("swap")
    op.drop_index("ix_override_team_span", table_name="override")
    op.drop_table("override")
    with op.batch_alter_table("api_token") as batch_op:
        batch_op.drop_constraint("fk_api_token_member_person", type_="foreignkey")
        batch_op.drop_column("member")
    with op.batch_alter_table("assignment") as batch_op:
        batch_op.drop_column("source")
    with op.batch_alter_table("team") as batch_op:
        batch_op.drop_column("version")
        batch_op.drop_column("swap_approval")
