"""themes: each event's themes as the last refresh left them (label, who named it), so that themes
stay put across refreshes and restarts

Revision ID: 0012_themes
Revises: 3c1f5e2a9d70
Create Date: 2026-12-01 18:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012_themes"
down_revision: str | None = "3c1f5e2a9d70"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "theme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("named_by", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "label", name="uq_theme_label"),
    )
    op.create_index(op.f("ix_theme_event_id"), "theme", ["event_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_theme_event_id"), table_name="theme")
    op.drop_table("theme")
