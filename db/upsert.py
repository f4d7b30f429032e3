"""INSERT ... ON CONFLICT, spelled for the session's backend (SQLite and PostgreSQL both have it)."""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel


def upsert(
    session: Session,
    table: type[SQLModel],
    rows: Sequence[Mapping[str, Any]],
    *,
    keys: Sequence[str],
    update: Callable[[Any], Mapping[str, Any]] | None = None,
) -> int:
    """Insert ``rows``; where a row with the same ``keys`` exists, set the columns ``update`` gives
    (it receives the statement's ``excluded`` row), or leave the existing row when it is None.
    Returns how many rows were inserted or updated (a row left as it was does not count)."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table).values(list(rows))
    if update is None:
        statement = insert.on_conflict_do_nothing(index_elements=list(keys))
    else:
        statement = insert.on_conflict_do_update(index_elements=list(keys), set_=update(insert.excluded))
    return session.execute(statement).rowcount


def increment(table: type[SQLModel], *names: str) -> Callable[[Any], Mapping[str, Any]]:
    """An ``update`` for ``upsert`` that adds the inserted row's values to the existing ones."""
    columns = sa.inspect(table).columns
    return lambda excluded: {name: columns[name] + getattr(excluded, name) for name in names}
