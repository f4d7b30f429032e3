"""schedule: claims of scheduled job runs

APScheduler's own job tables (apscheduler_jobs_shard_N, one per shard) are not here: their
number follows SHARD_COUNT, and APScheduler creates them when a scheduler starts
(docs/scaling.md).

Revision ID: 972b6f5f5633
Revises: 180a10ef2940
Create Date: 2026-11-29 16:36:04.208181
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from db.types import UTCDateTime

revision: str = "972b6f5f5633"
down_revision: str | None = "180a10ef2940"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "schedule_run",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("job", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("event_id", "job", "due_at"),
    )


def downgrade() -> None:
    op.drop_table("schedule_run")
