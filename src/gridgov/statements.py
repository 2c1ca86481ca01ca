"""Hand-written SELECTs for the few statements on the hot path, read into model instances.

Django builds a query's SQL afresh every time it runs. For a statement that runs on every
API call (the bearer token) or on every report (the unit's staff, the duplicate search),
building it costs more CPU than the database spends answering it. Those few statements are
written out once, with their column lists taken from the models, and their rows come back
as ordinary model instances: the columns not read are deferred (loaded if ever touched),
and values pass through the same converters the ORM applies (SQLite's dates, for one).

`Kept` holds a statement the ORM built once: a query that follows from nothing that changes
between requests (the worklist's, per user and roles) is turned into SQL once instead of on
every request, and its rows pass through the converters the ORM would apply.

Everything else uses the ORM; a statement moves here only when a profile shows it matters.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet


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


class Kept:
    """The SQL and parameters of a QuerySet, compiled once, and the converters of its select
    list: `rows` runs it as often as needed, its values as `values_list` would give them.

    The parameters are fixed when it is kept: only for a query that depends on nothing
    that changes (a user's own conditions, not the time). `suffix` appends SQL, with its
    own parameters: a WHERE for a select list kept without one."""

    def __init__(self, queryset: QuerySet, using: str = DEFAULT_DB_ALIAS):
        compiler = queryset.query.get_compiler(using)
        self.using = using
        try:
            self.sql, params = compiler.as_sql()
        except EmptyResultSet:  # a condition no row can meet: no query at all
            self.sql, params = None, ()
        self.params = tuple(params)
        selected = [column[0] for column in compiler.select[: compiler.col_count]]
        self.converters = list(compiler.get_converters(selected).items())

    def rows(self, suffix: str = "", params: Sequence[Any] = ()) -> list[Sequence]:
        """Every row: its values in the select list's order, converted."""
        if self.sql is None:
            return []
        rows = fetch(self.sql + suffix, (*self.params, *params), self.using)
        if not self.converters:
            return rows
        connection = connections[self.using]
        converted = []
        for row in rows:
            row = list(row)
            for position, (functions, expression) in self.converters:
                value = row[position]
                for function in functions:
                    value = function(value, expression, connection)
                row[position] = value
            converted.append(row)
        return converted
