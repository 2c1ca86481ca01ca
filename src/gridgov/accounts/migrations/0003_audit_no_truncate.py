"""Close the last way around the append-only audit log on PostgreSQL: TRUNCATE does not fire
row-level triggers, so 0002 alone let `TRUNCATE accounts_auditentry` empty the table. A
statement-level trigger refuses it. (SQLite has no TRUNCATE: its "DELETE FROM" fast path is
switched off for tables with triggers, so the delete trigger of 0002 already covers it.)"""

from django.db import migrations

POSTGRESQL_FORWARD = [
    """CREATE TRIGGER accounts_auditentry_no_truncate BEFORE TRUNCATE ON accounts_auditentry
       FOR EACH STATEMENT EXECUTE FUNCTION gridgov_refuse_audit_change()""",
]
POSTGRESQL_BACKWARD = [
    "DROP TRIGGER IF EXISTS accounts_auditentry_no_truncate ON accounts_auditentry",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_audit_append_only")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL_FORWARD}),
            _run({"postgresql": POSTGRESQL_BACKWARD}),
        )
    ]
