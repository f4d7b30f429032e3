"""speed: on PostgreSQL, a commit that changes what a presenter screen shows notifies; a vote's one
statement checks its event's epoch as last committed

- The channel ``podium_writes``: a presenter page hears of another process's writes (the CLI,
  another shard) as soon as they commit instead of at its next poll. One statement-level trigger
  per table the screen is read from (events, questions and their merges, presenter links). A
  transaction's notifications on the channel fold into one, delivered at its commit and only if
  it commits. SQLite has no notifications: its pages keep the poll.
- ``podium_trend_epoch_is(event, epoch, half_life)``: whether the event's trending epoch and
  half-life are those, read with a snapshot of its own (a volatile PL/pgSQL function), so a vote's
  single statement that waited for its question's lock sees a rebase committed meanwhile
  (``bot.services.qa.votes``); the statement's own snapshot would not.

Revision ID: 0013_speed_postgresql
Revises: 0012_themes
Create Date: 2026-12-01 19:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013_speed_postgresql"
down_revision: str | None = "0012_themes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The channel is db.engine.WRITES_CHANNEL; written out so that the migration never changes.
TABLES = ("event", "question", "question_merge", "presenter_token")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE FUNCTION podium_notify_writes() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('podium_writes', '');
            RETURN NULL;
        END
        $$
        """
    )
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_notify_writes AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION podium_notify_writes()"
        )
    op.execute(
        """
        CREATE FUNCTION podium_trend_epoch_is(event_id integer, epoch timestamptz, half_life_s integer)
        RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
        BEGIN
            RETURN EXISTS (
                SELECT 1 FROM event
                WHERE id = event_id AND trend_epoch = epoch AND trending_half_life_s = half_life_s
            );
        END
        $$
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION podium_trend_epoch_is(integer, timestamptz, integer)")
    for table in TABLES:
        op.execute(f"DROP TRIGGER {table}_notify_writes ON {table}")
    op.execute("DROP FUNCTION podium_notify_writes()")
