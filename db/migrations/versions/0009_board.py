"""board: the event's board message, per-question cards as an event rule, members' notice
settings, the event's venue and its Discord scheduled event

Revision ID: 0009_board
Revises: 0008_recap
Create Date: 2026-12-01 16:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from db.types import UTCDateTime

revision: str = "0009_board"
down_revision: str | None = "0008_recap"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("event") as event:
        event.add_column(sa.Column("board_message_id", sa.BigInteger(), nullable=True))
        event.add_column(sa.Column("question_cards", sa.Boolean(), nullable=False, server_default=sa.false()))
        event.add_column(sa.Column("venue_channel_id", sa.BigInteger(), nullable=True))
        event.add_column(sa.Column("venue_is_stage", sa.Boolean(), nullable=False, server_default=sa.false()))
        event.add_column(sa.Column("location", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True))
        event.add_column(sa.Column("discord_event_id", sa.BigInteger(), nullable=True))
    op.create_table(
        "member_settings",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("notify", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("dm_refused_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("user_id"),
    )


def downgrade() -> None:
    op.drop_table("member_settings")
    with op.batch_alter_table("event") as event:
        for column in ("discord_event_id", "location", "venue_is_stage", "venue_channel_id", "question_cards"):
            event.drop_column(column)
        event.drop_column("board_message_id")
