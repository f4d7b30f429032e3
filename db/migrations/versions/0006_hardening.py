"""hardening: who forwarded a question (bans and rate limits hold for the forwarder); a recap's
approved document and how much of it is posted (a failed post resumes)

Revision ID: 5c1d0e7a9b42
Revises: 972b6f5f5633
Create Date: 2026-12-01 15:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.types import UTCDateTime

revision: str = "5c1d0e7a9b42"
down_revision: str | None = "972b6f5f5633"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("question", schema=None) as batch_op:
        batch_op.add_column(sa.Column("forwarded_by", sa.BigInteger(), nullable=True))
        batch_op.create_index("ix_question_forwarder", ["event_id", "forwarded_by", "created_at"], unique=False)
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.add_column(sa.Column("approved_document", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("posted_parts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("posted_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.drop_column("posted_at")
        batch_op.drop_column("posted_parts")
        batch_op.drop_column("approved_document")
    with op.batch_alter_table("question", schema=None) as batch_op:
        batch_op.drop_index("ix_question_forwarder")
        batch_op.drop_column("forwarded_by")
