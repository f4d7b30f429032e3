"""Alembic environment: runs on the connection that ``db.migrate`` hands over.

For ``alembic revision --autogenerate`` during development, use
``python -m db.revision "message"`` (see docs/architecture.md).
"""

from alembic import context
from sqlmodel import SQLModel

import db.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from db.types import UTCDateTime


def render_item(kind, obj, autogen_context):
    """Render Podium's own column types by name, with their import."""
    if kind == "type" and isinstance(obj, UTCDateTime):
        autogen_context.imports.add("from db.types import UTCDateTime")
        return "UTCDateTime()"
    return False


connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    render_item=render_item,
)
with context.begin_transaction():
    context.run_migrations()
