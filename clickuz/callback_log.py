"""The callback log's two writes per request, each one statement that does not wait for the disk.

The row stored before processing and our answer added after it are each their own autocommit
transaction. Waiting for PostgreSQL's WAL flush made them two of a callback's three flushes;
`set_config('synchronous_commit', 'off', true)` in the statement's own WHERE lasts only for that
statement's transaction, so neither needs a SET before and a RESET after. The row is committed and
visible at once, survives a failed or killed request, and reaches the disk with the payment's own
commit, which does wait (it flushes the WAL up to itself, the log row included), or within
wal_writer_delay: only a crash of the database server itself in that fraction of a second could
lose the log row of a request that changed nothing, or the answer written on an already durable
decision.

The SQL is built once from the model's fields (their columns and database types), so it follows
the model. Elsewhere (SQLite, or inside an outer transaction, as in tests) the ORM writes the row.
"""

from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Field

from clickuz.models import ClickCallback

_UNFLUSHED = "set_config('synchronous_commit', 'off', true) = 'off'"


def _unflushed_here() -> bool:
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def _stored_fields() -> "list[Field[Any, Any]]":
    return [field for field in ClickCallback._meta.concrete_fields if not field.primary_key]


def _field(name: str) -> "Field[Any, Any]":
    field = ClickCallback._meta.get_field(name)
    assert isinstance(field, Field)  # noqa: S101 (the log's own column names)
    return field


def _typed(field: "Field[Any, Any]") -> str:
    # In a SELECT list a parameter has no type of its own: say the column's.
    return f"%s::{field.db_type(connection)}"


@cache
def _insert_sql() -> str:
    fields = _stored_fields()
    quote = connection.ops.quote_name
    return (
        f"INSERT INTO {quote(ClickCallback._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"SELECT {', '.join(_typed(f) for f in fields)} WHERE {_UNFLUSHED} RETURNING {quote('id')}"
    )


def callback_log_insert(row: ClickCallback) -> None:
    """Save a new row (its pk is set afterwards)."""
    if not _unflushed_here():
        row.save(force_insert=True)
        return
    params = [field.get_db_prep_save(field.pre_save(row, add=True), connection) for field in _stored_fields()]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(), params)
        row.pk = cursor.fetchone()[0]
    row._state.adding = False


def callback_log_update(pk: int, values: dict[str, Any]) -> None:
    """Set these fields of one row."""
    if not _unflushed_here():
        ClickCallback.objects.filter(pk=pk).update(**values)
        return
    fields = [_field(name) for name in values]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = {_typed(field)}" for field in fields)
    params = [field.get_db_prep_save(values[field.name], connection) for field in fields]
    # Names from the model's own fields; every value is a parameter.
    sql = f"UPDATE {quote(ClickCallback._meta.db_table)} SET {assignments} WHERE {quote('id')} = %s AND {_UNFLUSHED}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, pk])
