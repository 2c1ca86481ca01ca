"""Make the audit log append-only at the database level: UPDATE and DELETE are refused by
triggers, on SQLite and on PostgreSQL, whoever issues them (ORM, raw SQL, a console)."""

from django.db import migrations

SQLITE_FORWARD = [
    """CREATE TRIGGER accounts_auditentry_no_update BEFORE UPDATE ON accounts_auditentry
       BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END""",
    """CREATE TRIGGER accounts_auditentry_no_delete BEFORE DELETE ON accounts_auditentry
       BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS accounts_auditentry_no_update",
    "DROP TRIGGER IF EXISTS accounts_auditentry_no_delete",
]
POSTGRESQL_FORWARD = [
    """CREATE OR REPLACE FUNCTION gridgov_refuse_audit_change() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit entries are append-only'; END;
       $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER accounts_auditentry_no_change BEFORE UPDATE OR DELETE ON accounts_auditentry
       FOR EACH ROW EXECUTE FUNCTION gridgov_refuse_audit_change()""",
]
POSTGRESQL_BACKWARD = [
    "DROP TRIGGER IF EXISTS accounts_auditentry_no_change ON accounts_auditentry",
    "DROP FUNCTION IF EXISTS gridgov_refuse_audit_change()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRESQL_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRESQL_BACKWARD}),
        )
    ]
