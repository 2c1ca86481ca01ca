"""Hand-written SELECTs for the few statements on the hot path, read into model instances.

Django builds a query's SQL afresh every time it runs. For a statement that runs on every
API call (the bearer token) or on every report (the unit's staff, the duplicate search),
building it costs more CPU than the database spends answering it. Those few statements are
written out once, with their column lists taken from the models, and their rows come back
as ordinary model instances: the columns not read are deferred (loaded if ever touched),
and values pass through the same converters the ORM applies (SQLite's dates, for one).

Everything else uses the ORM; a statement moves here only when a profile shows it matters.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connections
from django.db.models import Model


class Columns:
    """Some columns of one model under a table alias, in the model's field order (the order
    `Model.from_db` takes values in)."""

    def __init__(self, model: type[Model], alias: str, names: Iterable[str]):
        wanted = set(names) | {model._meta.pk.name}
        self.model = model
        self.alias = alias
        self.fields = [
            field
            for field in model._meta.concrete_fields
            if field.name in wanted or field.attname in wanted
        ]
        unknown = wanted - {name for field in self.fields for name in (field.name, field.attname)}
        if unknown:
            raise ValueError(f"{model.__name__} has no columns {sorted(unknown)}")
        self.attnames = [field.attname for field in self.fields]
        self.table = model._meta.db_table
        self._converters: dict[str, list] = {}

    def __len__(self) -> int:
        return len(self.fields)

    @property
    def sql(self) -> str:
        """The select list: `alias."column", …`."""
        return ", ".join(f'{self.alias}."{field.column}"' for field in self.fields)

    def converters(self, using: str) -> list:
        """(position, converters, expression) for the columns the backend converts."""
        if using not in self._converters:
            connection = connections[using]
            found = []
            for position, field in enumerate(self.fields):
                column = field.get_col(self.alias)
                functions = connection.ops.get_db_converters(column)
                functions += column.get_db_converters(connection)
                if functions:
                    found.append((position, functions, column))
            self._converters[using] = found
        return self._converters[using]

    def instance(self, values: Sequence[Any], using: str = "default") -> Model:
        """A model instance from this select list's part of a row."""
        values = list(values)
        connection = connections[using]
        for position, functions, column in self.converters(using):
            for function in functions:
                values[position] = function(values[position], column, connection)
        return self.model.from_db(using, self.attnames, values)


def fetch(sql: str, params: Sequence[Any], using: str = "default") -> list[tuple]:
    """Every row of one statement."""
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
