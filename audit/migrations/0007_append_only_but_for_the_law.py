"""The access log stays append-only on PostgreSQL, except for the two changes the law asks for, which the
application makes in a transaction that says so (audit.services.log_maintenance): pseudonymising an erased
patient's rows and purging rows past their retention. The guard is against the application's own mistakes and
other clients' ordinary writes; a database owner could drop the trigger anyway."""

from django.db import migrations

ALLOW = """
CREATE OR REPLACE FUNCTION audit_accessevent_append_only() RETURNS trigger AS $$
BEGIN
    IF current_setting('relyfe.audit_log_maintenance', true) = 'on' THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_accessevent is append-only';
END;
$$ LANGUAGE plpgsql;
"""

REFUSE = """
CREATE OR REPLACE FUNCTION audit_accessevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_accessevent is append-only';
END;
$$ LANGUAGE plpgsql;
"""


def run_on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0006_object_type_known")]

    operations = [migrations.RunPython(run_on_postgresql(ALLOW), run_on_postgresql(REFUSE))]
