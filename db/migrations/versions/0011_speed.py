"""speed: each question's trending key and its event's epoch, so trending is read from an index;
an index in the order of each of rank_questions' orders

Existing events with votes get their epoch (their latest vote) and every key summed from the votes,
with the function the votes use (``bot.domain.trending.vote_term``), so the keys are exactly what
the services would have kept.

Revision ID: 3c1f5e2a9d70
Revises: 0010_console
Create Date: 2026-12-01 16:20:00.000000
"""

from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.domain.trending import vote_term
from db.types import UTCDateTime

revision: str = "3c1f5e2a9d70"
down_revision: str | None = "0010_console"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trend_epoch", UTCDateTime(), nullable=True))
    with op.batch_alter_table("question", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trend_key", sa.BigInteger(), nullable=False, server_default="0"))
    with op.batch_alter_table("question", schema=None) as batch_op:
        batch_op.alter_column("trend_key", server_default=None)
        batch_op.create_index("ix_question_top", ["event_id", "pinned", "score", "created_at", "status"], unique=False)
        batch_op.create_index(
            "ix_question_trend", ["event_id", "pinned", "trend_key", "score", "created_at", "status"], unique=False
        )
        batch_op.create_index("ix_question_newest", ["event_id", "pinned", "created_at", "status"], unique=False)
        batch_op.create_index(
            "ix_question_theme", ["event_id", "theme", "pinned", "score", "created_at", "status"], unique=False
        )
    _sum_existing_keys(op.get_bind())


def _sum_existing_keys(connection: sa.Connection) -> None:
    event = sa.table(
        "event", sa.column("id"), sa.column("trend_epoch", UTCDateTime()), sa.column("trending_half_life_s")
    )
    question = sa.table("question", sa.column("id"), sa.column("trend_key"))
    vote = sa.table(
        "vote", sa.column("question_id"), sa.column("event_id"), sa.column("value"), sa.column("cast_at", UTCDateTime())
    )
    half_lives = dict(connection.execute(sa.select(event.c.id, event.c.trending_half_life_s)).all())
    votes: defaultdict[int, list[tuple[int, int, object]]] = defaultdict(list)
    for question_id, event_id, value, cast_at in connection.execute(
        sa.select(vote.c.question_id, vote.c.event_id, vote.c.value, vote.c.cast_at)
    ):
        votes[event_id].append((question_id, value, cast_at))
    for event_id, rows in votes.items():
        epoch = max(cast_at for _, _, cast_at in rows)
        keys: defaultdict[int, int] = defaultdict(int)
        for question_id, value, cast_at in rows:
            keys[question_id] += value * vote_term(cast_at, epoch, half_lives[event_id])
        connection.execute(sa.update(event).where(event.c.id == event_id).values(trend_epoch=epoch))
        changed = [{"qid": qid, "key": key} for qid, key in keys.items() if key]
        if changed:
            connection.execute(
                sa.update(question).where(question.c.id == sa.bindparam("qid")).values(trend_key=sa.bindparam("key")),
                changed,
            )


def downgrade() -> None:
    with op.batch_alter_table("question", schema=None) as batch_op:
        batch_op.drop_index("ix_question_theme")
        batch_op.drop_index("ix_question_newest")
        batch_op.drop_index("ix_question_trend")
        batch_op.drop_index("ix_question_top")
        batch_op.drop_column("trend_key")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_column("trend_epoch")
