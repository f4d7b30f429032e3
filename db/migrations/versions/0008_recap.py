"""recap: a draft keeps its structured document, which each medium renders

Drafts written before this revision have none; they are shown and posted from their text.

Revision ID: 0008_recap
Revises: 5c1d0e7a9b42
Create Date: 2026-12-01 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_recap"
down_revision: str | None = "5c1d0e7a9b42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("draft") as batch:
        batch.add_column(sa.Column("document", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("draft") as batch:
        batch.drop_column("document")
