"""console: why a question was flagged, the abuse threshold, the desk message, console sign-in

The web console's one-use sign-in links and its sessions are tables of their own.

Revision ID: 0010_console
Revises: 0009_board
Create Date: 2026-12-01 16:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from db.types import UTCDateTime

revision: str = "0010_console"
down_revision: str | None = "0009_board"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("event") as batch:
        batch.add_column(sa.Column("abuse_threshold", sa.Float(), nullable=False, server_default="0.4"))
        batch.add_column(sa.Column("desk_message_id", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("question") as batch:
        batch.add_column(sa.Column("flag_reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
    op.create_table(
        "console_link",
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index(op.f("ix_console_link_user_id"), "console_link", ["user_id"], unique=False)
    op.create_table(
        "console_session",
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("csrf_token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index(op.f("ix_console_session_user_id"), "console_session", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_console_session_user_id"), table_name="console_session")
    op.drop_table("console_session")
    op.drop_index(op.f("ix_console_link_user_id"), table_name="console_link")
    op.drop_table("console_link")
    with op.batch_alter_table("question") as batch:
        batch.drop_column("flag_reason")
    with op.batch_alter_table("event") as batch:
        batch.drop_column("desk_message_id")
        batch.drop_column("abuse_threshold")
