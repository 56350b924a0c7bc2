"""Every access event names an object type the patient's log can word (audit.models.ObjectType).

Existing rows are checked before the constraint is added. The log is append-only (a trigger refuses
UPDATE and DELETE on PostgreSQL, migration 0002), so an unknown type cannot be rewritten: it must become
a choice of ObjectType, and this migration stops with its name rather than fail on the constraint.
Every type the code has ever written is a choice, so no existing row is expected to stop it. Adding the
constraint only reads the rows (PostgreSQL validates them; SQLite copies the table), so the trigger
does not fire.
"""

from django.conf import settings
from django.db import migrations, models


KNOWN = [
    "timeline",
    "health_record",
    "record_file",
    "grant",
    "care_team_proposal",
    "share_link",
    "emergency_profile",
    "access_request",
    "comment",
    "professional_comment",
    "account_claim",
    "face_consent",
    "face_template",
    "face_search",
    "treatments",
    "treatment",
    "medication",
    "intake",
]


def refuse_unknown_types(apps, schema_editor):
    AccessEvent = apps.get_model("audit", "AccessEvent")
    unknown = sorted(set(AccessEvent.objects.exclude(object_type__in=KNOWN).values_list("object_type", flat=True)))
    if unknown:
        raise RuntimeError(
            f"Access events with unknown object types: {', '.join(unknown)}. The log is append-only: add them "
            "to audit.models.ObjectType (and to KNOWN here) instead of changing the rows."
        )


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0005_access_event_labels'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='accessevent',
            name='object_type',
            field=models.CharField(choices=[('timeline', 'your records'), ('health_record', 'a record'), ('record_file', 'a file'), ('grant', 'an access'), ('care_team_proposal', 'a proposal for your care team'), ('share_link', 'a share link'), ('emergency_profile', 'the emergency profile'), ('access_request', 'an access request'), ('comment', 'a comment'), ('professional_comment', 'a comment between professionals'), ('account_claim', 'the code to take over the account'), ('face_consent', 'consent to face identification'), ('face_template', 'an enrolled face'), ('face_search', 'a face identification'), ('treatments', 'your treatments'), ('treatment', 'a treatment'), ('medication', 'a medication'), ('intake', 'a dose')], max_length=40, verbose_name='object type'),
        ),
        migrations.RunPython(refuse_unknown_types, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='accessevent',
            constraint=models.CheckConstraint(condition=models.Q(('object_type__in', KNOWN)), name='accessevent_object_type_known'),
        ),
    ]
