"""Prefix-search indexes for residents (PostgreSQL only).

`registry.queries.search_residents` finds people by the start of their name, its full
pinyin or its pinyin initials (`name LIKE '龙秀%'`), always inside the searcher's scope
(`region_code >= '433124' AND region_code < '433124:'`), and returns them ordered by that
key in code-point order. Each index holds the searched column with the "C" collation and
`region_code` second, which serves all three at once:

- LIKE 'prefix%' becomes a range of the index (under any database collation other than C a
  plain index cannot do that; the "C" column can, like a `varchar_pattern_ops` one);
- the scope is checked inside the index, before any row is read, and a count needs no row
  at all (index-only scan);
- the index is already in the result order (`ORDER BY name COLLATE "C", region_code, id`),
  so the first page of a common name stops after 50 rows, and a rare one reads only the
  entries with its prefix, never a whole county.

They replace the single-column indexes Django made for `db_index=True` on `name_pinyin` and
`name_initials` (a plain and a `_like` one each), which the planner preferred although they
cannot check the scope; those go (the AlterField operations).

SQLite has no use for them (Django's LIKE there cannot use an index, and its default
BINARY collation already orders by code point), so there only the AlterField operations
run; results are the same on both databases, only the speed differs. The indexes are not
in the models' state: they belong to the PostgreSQL backend, like the `_like` indexes
Django adds by itself.
"""

from django.db import migrations, models

INDEXES = {
    "resident_name_prefix": "name",
    "resident_pinyin_prefix": "name_pinyin",
    "resident_initials_prefix": "name_initials",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "registry_resident" '
            f'("{column}" COLLATE "C", "region_code")'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0002_household_register_number_export_request"),
    ]

    operations = [
        migrations.AlterField(
            model_name="resident",
            name="name_initials",
            field=models.CharField(blank=True, editable=False, max_length=30),
        ),
        migrations.AlterField(
            model_name="resident",
            name="name_pinyin",
            field=models.CharField(blank=True, editable=False, max_length=200),
        ),
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
