"""Calendar feeds: feed tokens, the memory of published feed events, the local-times option.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("team") as batch_op:
        batch_op.add_column(
            sa.Column("feed_local_times", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    op.create_table(
        "feed_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=True),
        sa.Column("person_id", sa.String(length=64), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("feed_token") as batch_op:
        batch_op.create_index(batch_op.f("ix_feed_token_token_hash"), ["token_hash"], unique=True)

    op.create_table(
        "feed_event",
        sa.Column("uid", sa.String(length=255), nullable=False),
        sa.Column("feed", sa.String(length=100), nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("last_modified", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("uid"),
    )
    with op.batch_alter_table("feed_event") as batch_op:
        batch_op.create_index("ix_feed_event_feed_span", ["feed", "start", "end"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("feed_event") as batch_op:
        batch_op.drop_index("ix_feed_event_feed_span")
    op.drop_table("feed_event")
    with op.batch_alter_table("feed_token") as batch_op:
        batch_op.drop_index(batch_op.f("ix_feed_token_token_hash"))
    op.drop_table("feed_token")
    with op.batch_alter_table("team") as batch_op:
        batch_op.drop_column("feed_local_times")
