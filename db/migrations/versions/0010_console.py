"""console: why a question was flagged, the event's abuse threshold, the moderators' desk message

Revision ID: 0010_console
Revises: 972b6f5f5633
Create Date: 2026-12-01 16:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010_console"
down_revision: str | None = "972b6f5f5633"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("event") as batch:
        batch.add_column(sa.Column("abuse_threshold", sa.Float(), nullable=False, server_default="0.4"))
        batch.add_column(sa.Column("desk_message_id", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("question") as batch:
        batch.add_column(sa.Column("flag_reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("question") as batch:
        batch.drop_column("flag_reason")
    with op.batch_alter_table("event") as batch:
        batch.drop_column("desk_message_id")
        batch.drop_column("abuse_threshold")
