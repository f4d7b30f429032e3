"""Rules every table follows."""

import inspect

from sqlmodel import SQLModel

import db.models  # noqa: F401  (registers every table)


def _builtin(factory: object) -> bool:
    return inspect.isbuiltin(factory) or (isinstance(factory, type) and factory.__module__ == "builtins")


def test_no_table_field_has_a_builtin_default_factory():
    # SQLModel inspects a default factory's signature for every row it builds; a builtin's is
    # parsed from its text each time (db/models.py says what that cost).
    tables = [mapper.class_ for mapper in SQLModel._sa_registry.mappers]
    assert len(tables) > 10
    builtin = [
        f"{table.__name__}.{name}"
        for table in tables
        for name, field in table.model_fields.items()
        if field.default_factory is not None and _builtin(field.default_factory)
    ]
    assert builtin == []
