"""Writing many rows at once, below the ORM: PostgreSQL COPY, or one prepared INSERT run
for many rows (SQLite). Used by the import, inside its transaction.

Rows are tuples of plain values already in their stored form (text, numbers, None; UUIDs as
32 hex digits, dates as ISO text), which both databases accept as they are. Primary keys are
taken from the table's sequence up front, so rows can refer to each other (a resident to a
household not yet written: the foreign keys are checked at commit) without a round trip
per row.
"""

import gc
import os
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.utils import timezone

CHUNK = 5000
# COPY's text format: backslash, tab, newline and carriage return are escaped in values.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
SQLITE_CACHE_MB = 256


def stored_now() -> str:
    """The current time as the database stores a DateTimeField (USE_TZ: UTC)."""
    return str(connection.ops.adapt_datetimefield_value(timezone.now()))


def other_columns(model: type[models.Model], known: Sequence[str]) -> list[tuple[str, Callable]]:
    """Columns of `model` that the caller does not fill, each with a function giving the
    field's default. Another app adding a column with a default must not break the import;
    a new required column without a default must stop it loudly, here."""
    extra = []
    for field in model._meta.concrete_fields:
        if field.column in known or (field.primary_key and isinstance(field, models.AutoField)):
            continue  # (the database numbers rows whose key is not given)
        if field.has_default() or field.null:
            default = field.get_default

            def stored_default(field=field, default=default):
                return field.get_db_prep_save(default(), connection)

            extra.append((field.column, stored_default))
        elif isinstance(field, models.DateTimeField) and (field.auto_now or field.auto_now_add):
            extra.append((field.column, stored_now))
        else:
            raise RuntimeError(
                f"{model._meta.label}.{field.name} has no default: teach the bulk import "
                "to fill it (gridgov.registry.imports)."
            )
    return extra


def random_uuids(batch: int = 1000) -> Iterator[str]:
    """Endless version-4 UUIDs as 32 hex digits (as a UUIDField stores them), the same as
    `uuid.uuid4().hex` but drawn from the system's random source a thousand at a time:
    uuid4() asks the kernel for 16 bytes per call and builds an object around them."""
    while True:
        data = bytearray(os.urandom(16 * batch))
        data[6::16] = bytes(byte & 0x0F | 0x40 for byte in data[6::16])  # version 4
        data[8::16] = bytes(byte & 0x3F | 0x80 for byte in data[8::16])  # RFC 4122 variant
        digits = data.hex()
        yield from [digits[start : start + 32] for start in range(0, 32 * batch, 32)]


@contextmanager
def roomy_cache() -> Iterator[None]:
    """On SQLite, a page cache big enough for the table's indexes while many rows go in:
    the default 2 MB makes every insert into a dozen indexes read pages back from disk."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = {-SQLITE_CACHE_MB * 1024}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {before}")


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Python's cycle collector off for the block (an import), on again after.

    An import makes millions of short-lived dicts and tuples that form no cycles, so
    reference counting frees them all; but every few hundred of them the collector walks
    the young objects, and now and then everything alive (the chunk in hand, all that the
    import remembers): a quarter of the CPU of checking rows, measured. Whatever did form
    a cycle in the meantime is collected once the collector runs again. (A forked child
    inherits the setting, and so does not walk, and copy, its parent's memory either.)"""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@contextmanager
def indexes_built_after(
    model: type[models.Model], *, rows: int, keep: Collection[tuple[str, ...]] = ()
) -> Iterator[None]:
    """On SQLite, when the `rows` about to be written are at least as many as the table
    holds, drop the table's plain (not unique) indexes, except those in `keep` (by their
    columns: the ones the caller reads by, or that SQLite's foreign-key checks use), and
    build them again at the end, inside the same transaction.

    Building an index from sorted keys costs a fraction of putting a million rows into it
    one by one in random order (an ID number's last six digits, a phone, a birth date).
    It stays all or nothing: SQLite's schema changes belong to the transaction, so a
    rollback, or a crash, brings the old indexes back. Other connections read the last
    committed state, indexes included. With a table larger than the file, rebuilding
    would cost more than it saves, and nothing changes. PostgreSQL: nothing changes."""
    if connection.vendor != "sqlite" or not connection.in_atomic_block:
        yield
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        dropped = [] if cursor.fetchone()[0] > rows else _drop_plain_indexes(cursor, table, keep)
    yield
    if dropped and not transaction.get_rollback():  # (a rollback brings them back itself)
        with connection.cursor() as cursor:
            for sql in dropped:
                cursor.execute(sql)


def _drop_plain_indexes(cursor, table: str, keep: Collection[tuple[str, ...]]) -> list[str]:
    """Drop `table`'s indexes that enforce nothing and are not in `keep`; their SQL."""
    cursor.execute(f'PRAGMA index_list("{table}")')
    plain = [
        name
        for _seq, name, unique, origin, _partial in cursor.fetchall()
        if origin == "c" and not unique
    ]
    dropped = []
    for name in plain:
        cursor.execute(f'PRAGMA index_info("{name}")')
        columns = tuple(column for _rank, _cid, column in cursor.fetchall())
        if columns in keep or None in columns:
            continue  # (None: an index on an expression, left alone)
        cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = %s", [name])
        dropped.append(cursor.fetchone()[0])
        cursor.execute(f'DROP INDEX "{name}"')
    return dropped


class Writer:
    """Inserts and updates for one model's table."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]):
        self.model = model
        self.table = model._meta.db_table
        self.extra = other_columns(model, columns)
        self.columns = [*columns, *(column for column, _default in self.extra)]
        # The connection itself, not Django's per-thread proxy: a Pipeline writes from its
        # own thread, inside the transaction the importing thread opened.
        self.connection = connections[DEFAULT_DB_ALIAS]
        self.postgres = self.connection.vendor == "postgresql"
        self._next_id: int | None = None
        self._pool: list[int] = []

    # --- primary keys

    def allocate(self, count: int) -> list[int]:
        """`count` fresh primary keys, reserved for this transaction."""
        if count <= 0:
            return []
        with connection.cursor() as cursor:
            if self.postgres:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [self.table, count],
                )
                return [row[0] for row in cursor.fetchall()]
            if self._next_id is None:
                # SQLite: the write lock is held from BEGIN (transaction_mode IMMEDIATE), so
                # nobody else can take these numbers; AUTOINCREMENT never reuses old ones.
                cursor.execute(f'SELECT max(id) FROM "{self.table}"')
                highest = cursor.fetchone()[0] or 0
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [self.table])
                row = cursor.fetchone()
                self._next_id = max(highest, row[0] if row else 0) + 1
            first = self._next_id
            self._next_id += count
            return list(range(first, first + count))

    def next_id(self) -> int:
        """One key at a time, drawn from blocks of a thousand."""
        if not self._pool:
            self._pool = self.allocate(1000)[::-1]
        return self._pool.pop()

    # --- writing

    def _complete(self, rows: Iterable[tuple]) -> Iterable[tuple]:
        if not self.extra:
            return rows
        return (row + tuple(default() for _column, default in self.extra) for row in rows)

    def prepare(self, rows: list[tuple]) -> bytes | list[tuple]:
        """The rows as one payload for `send`. For PostgreSQL, COPY's text format, made by
        the checking thread: sending it then needs Python's lock once per chunk, not once
        per row (a writing thread asking for the lock for every row would wait out the
        checking thread's time slice each time). For SQLite, the rows themselves: its
        driver binds each row's values under the lock whatever we do."""
        rows = self._complete(rows)
        if not self.postgres:
            return list(rows)
        escape = _COPY_ESCAPES
        return "".join(
            [
                "\t".join(
                    [
                        "\\N"
                        if value is None
                        else value.translate(escape)
                        if value.__class__ is str
                        else str(value)
                        for value in row
                    ]
                )
                + "\n"
                for row in rows
            ]
        ).encode()

    def send(self, payload: bytes | list[tuple]) -> None:
        """Insert a prepared payload: one COPY (PostgreSQL), one prepared INSERT run for
        every row (SQLite)."""
        if not payload:
            return
        columns = ", ".join(f'"{column}"' for column in self.columns)
        with self.connection.cursor() as cursor:
            if self.postgres:
                raw = cursor.cursor  # psycopg 3 under Django's wrapper
                with raw.copy(f'COPY "{self.table}" ({columns}) FROM STDIN') as copy:
                    copy.write(payload)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(
                    f'INSERT INTO "{self.table}" ({columns}) VALUES ({marks})', payload
                )

    def insert(self, rows: list[tuple]) -> None:
        if rows:
            self.send(self.prepare(rows))

    def update(self, columns: Sequence[str], rows: list[tuple]) -> None:
        """Set `columns` to each row's values; the last value of a row is its primary key."""
        if not rows:
            return
        assignments = ", ".join(f'"{column}" = %s' for column in columns)
        with self.connection.cursor() as cursor:
            for start in range(0, len(rows), CHUNK):
                cursor.executemany(
                    f'UPDATE "{self.table}" SET {assignments} WHERE id = %s',
                    rows[start : start + CHUNK],
                )


class Pipeline:
    """Writes one chunk in a second thread while the caller checks the next chunk.

    The database does most of its work (a dozen indexes per row) without holding Python's
    interpreter lock, SQLite inside sqlite3_step and PostgreSQL in its own process, so
    checking and writing overlap. At most one chunk is in flight; `wait()` must be called
    before the caller touches the database itself, and raises what the writing raised.
    """

    def __init__(self) -> None:
        self.connection = connections[DEFAULT_DB_ALIAS]
        self._executor: ThreadPoolExecutor | None = None
        self._pending: Future | None = None

    def __enter__(self) -> "Pipeline":
        self.connection.inc_thread_sharing()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-writer")
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            if exc_info[0] is None:
                self.wait()
        finally:
            self._executor.shutdown(wait=True)
            self.connection.dec_thread_sharing()

    def submit(self, write: Callable[[], None]) -> None:
        self.wait()
        self._pending = self._executor.submit(write)

    def wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()


# --- Reading many rows by key ----------------------------------------------------------


def _converters(model: type[models.Model], fields: Sequence[str]) -> list[tuple[int, Callable]]:
    """SQLite returns dates as text to a raw cursor; the ORM would have made them dates."""
    if connection.vendor == "postgresql":
        return []
    return [
        (index, date.fromisoformat)
        for index, name in enumerate(fields)
        if type(model._meta.get_field(name)) is models.DateField
    ]


def _records(model, fields: Sequence[str], sql: str, params) -> list[dict]:
    convert = _converters(model, fields)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    records = []
    for row in rows:
        record = dict(zip(fields, row, strict=True))
        for index, function in convert:
            value = row[index]
            if isinstance(value, str):
                record[fields[index]] = function(value)
        records.append(record)
    return records


def select_in(
    model: type[models.Model], fields: Sequence[str], column: str, values: Sequence
) -> list[dict]:
    """`model.objects.filter(column__in=values).values(*fields)` without the ORM's cost per
    value (it prepares each of thousands of parameters one by one)."""
    if not values:
        return []
    table = model._meta.db_table
    columns = ", ".join(f'"{field}"' for field in fields)
    if connection.vendor == "postgresql":
        sql = f'SELECT {columns} FROM "{table}" WHERE "{column}" = ANY(%s)'
        return _records(model, fields, sql, [list(values)])
    marks = ", ".join(["%s"] * len(values))
    sql = f'SELECT {columns} FROM "{table}" WHERE "{column}" IN ({marks})'
    return _records(model, fields, sql, list(values))


def select_pairs(
    model: type[models.Model],
    fields: Sequence[str],
    columns: tuple[str, str],
    pairs: Sequence[tuple[str, str]],
) -> list[dict]:
    """Rows whose two `columns` equal one of `pairs` (both columns text)."""
    if not pairs:
        return []
    table = model._meta.db_table
    selected = ", ".join(f'"{field}"' for field in fields)
    first, second = columns
    if connection.vendor == "postgresql":
        sql = (
            f'SELECT {selected} FROM "{table}" WHERE ("{first}", "{second}") IN '
            "(SELECT * FROM unnest(%s::text[], %s::text[]))"
        )
        params = [[pair[0] for pair in pairs], [pair[1] for pair in pairs]]
        return _records(model, fields, sql, params)
    marks = ", ".join(["(%s, %s)"] * len(pairs))
    sql = f'SELECT {selected} FROM "{table}" WHERE ("{first}", "{second}") IN (VALUES {marks})'
    return _records(model, fields, sql, [value for pair in pairs for value in pair])
