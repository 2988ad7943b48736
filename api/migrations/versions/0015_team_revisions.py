"""Team revisions: `team.incarnation`, random per team created, so that a team deleted and
created again never shows an old version's cached answers (a revision is version and
incarnation); `reminder_team.team_revision` and `planned_until`, the revision reminders were
last planned from and the end of the window planned, so a pass skips a team that did not
change and whose window reaches no new period.

Revision ID: 0015
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("team") as batch_op:
        batch_op.add_column(
            sa.Column(
                "incarnation", sa.String(length=16), server_default=sa.text("''"), nullable=False
            )
        )
    with op.batch_alter_table("reminder_team") as batch_op:
        batch_op.add_column(sa.Column("team_revision", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("planned_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reminder_team") as batch_op:
        batch_op.drop_column("planned_until")
        batch_op.drop_column("team_revision")
    with op.batch_alter_table("team") as batch_op:
        batch_op.drop_column("incarnation")
