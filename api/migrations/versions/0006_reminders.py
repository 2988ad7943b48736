"""Reminders: team leads, members' reminder settings and handoff notes, the reminder queue and
the snapshot of turns members were told about.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("team") as batch_op:
        batch_op.add_column(
            sa.Column("leads", sa.JSON(), server_default=sa.text("'[]'"), nullable=False)
        )

    op.create_table(
        "member_notify",
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("channels", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("lead_times", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("slack_webhook", sa.String(length=200), nullable=True),
        sa.Column("webhook_url", sa.String(length=200), nullable=True),
        sa.Column("webhook_secret", sa.String(length=200), nullable=True),
        sa.Column("handoff_note", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id", "person_id"],
            ["member.team_id", "member.person_id"],
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("team_id", "person_id"),
    )

    op.create_table(
        "reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=64), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("lead_seconds", sa.Integer(), nullable=True),
        sa.Column("change", sa.String(length=16), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key", name="uq_reminder_key"),
    )
    with op.batch_alter_table("reminder") as batch_op:
        batch_op.create_index("ix_reminder_team_turn", ["team_id", "kind", "at"], unique=False)
        batch_op.create_index("ix_reminder_work", ["status", "next_attempt_at"], unique=False)

    op.create_table(
        "reminder_team",
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("seen_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("team_id"),
    )

    op.create_table(
        "reminder_turn",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "team_id", "role", "person_id", "start", "end", name="uq_reminder_turn"
        ),
    )


def downgrade() -> None:
    op.drop_table("reminder_turn")
    op.drop_table("reminder_team")
    with op.batch_alter_table("reminder") as batch_op:
        batch_op.drop_index("ix_reminder_work")
        batch_op.drop_index("ix_reminder_team_turn")
    op.drop_table("reminder")
    op.drop_table("member_notify")
    with op.batch_alter_table("team") as batch_op:
        batch_op.drop_column("leads")
