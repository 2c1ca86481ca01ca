"""A trigram index on household addresses (PostgreSQL only), for finding people by part of
their address (`address LIKE '%五组%'`), which no B-tree can serve. pg_trgm ships with
PostgreSQL's contrib package; the extension is created if it is missing. SQLite scans, which
is the same result at its scale."""

from django.db import migrations


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        'CREATE INDEX IF NOT EXISTS "household_address_trigram" ON "registry_household" '
        'USING gin ("address" gin_trgm_ops)'
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute('DROP INDEX IF EXISTS "household_address_trigram"')


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0003_search_indexes"),
    ]

    operations = [migrations.RunPython(create_index, drop_index)]
