"""Model instances from a hand-written SELECT, built exactly as the ORM builds them.

For the few statements on a hot path whose compiling costs more than running them (a locking
read by a unique key runs in ~0.05 ms of CPU; the ORM takes ~0.5 ms to compile it and build two
wide models). The SQL names every concrete column of the model, and each value goes through the
same converters the ORM applies (booleans and datetimes on SQLite, JSON, decimals), then
Model.from_db(), so the instance is the one a queryset would have returned.
"""

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from django.db import connection
from django.db.models import Field, Model

_M = TypeVar("_M", bound=Model)

# The range of a 64-bit primary key. The ORM answers "no rows" for an id outside it; a written-out
# statement must say so itself: SQLite's driver raises OverflowError for a larger Python int.
ID_MIN, ID_MAX = -(2**63), 2**63 - 1


def id_in_range(value: int) -> bool:
    return ID_MIN <= value <= ID_MAX


def id_from_text(value: str) -> int | None:
    """A positive id written in ASCII digits that a primary key can hold, else None. Longer text is
    refused before int() (which raises past 4 300 digits) and larger ids before the driver sees them."""
    if not (value.isascii() and value.isdigit()) or len(value) > 19:
        return None
    number = int(value)
    return number if 0 < number <= ID_MAX else None


_Converter = Callable[[Any, Any, Any], Any]


class ModelColumns(Generic[_M]):
    """Every concrete column of `model` (or only those of `fields`), under a table alias, for a
    SELECT list."""

    def __init__(self, model: type[_M], alias: str, fields: Sequence[str] | None = None) -> None:
        self.model = model
        self.alias = alias
        concrete = list(model._meta.concrete_fields)
        self.fields = concrete if fields is None else [model._meta.get_field(name) for name in fields]  # type: ignore[misc]
        self._complete = len(self.fields) == len(concrete)
        self._attnames = [field.attname for field in self.fields]
        self._converters: list[list[tuple[_Converter, Any]]] | None = None

    def __len__(self) -> int:
        return len(self.fields)

    def table(self) -> str:
        """`"table" alias`, for FROM and JOIN."""
        return f"{connection.ops.quote_name(self.model._meta.db_table)} {self.alias}"

    def column(self, name: str) -> str:
        """One field's column, qualified by the alias (by field name: `auction` is auction_id)."""
        field = self.model._meta.get_field(name)
        if not isinstance(field, Field):
            raise TypeError(f"{self.model.__name__}.{name} has no column")
        return f"{self.alias}.{connection.ops.quote_name(field.column)}"

    def select_list(self) -> str:
        return ", ".join(f"{self.alias}.{connection.ops.quote_name(field.column)}" for field in self.fields)

    def build(self, values: Sequence[Any]) -> _M:
        """The instance from this model's values of a row, in select_list() order."""
        if not self._complete:
            raise TypeError(f"{self.model.__name__}: build() needs every concrete column")
        return self.model.from_db(connection.alias, self._attnames, self.values(values))

    def values(self, values: Sequence[Any]) -> list[Any]:
        """The row's values as the ORM returns them (values_list()), in select_list() order."""
        if self._converters is None:
            # Built on first use: the converters depend on the database backend.
            # The backend's converters first, then the field's: as SQLCompiler.get_converters().
            self._converters = [
                [
                    (converter, column)
                    for converter in (*connection.ops.get_db_converters(column), *column.get_db_converters(connection))
                ]
                for column in (field.get_col(self.alias) for field in self.fields)
            ]
        converted = []
        for value, converters in zip(values, self._converters, strict=True):
            for converter, column in converters:
                value = converter(value, column, connection)
            converted.append(value)
        return converted


def for_update(*aliases: str) -> str:
    """` FOR UPDATE [OF aliases]` where the database has it, else nothing (SQLite has no row locks;
    its IMMEDIATE transactions take the database's write lock at BEGIN instead)."""
    features = connection.features
    if not features.has_select_for_update:
        return ""
    if aliases and features.has_select_for_update_of:
        return f" FOR UPDATE OF {', '.join(aliases)}"
    return " FOR UPDATE"
