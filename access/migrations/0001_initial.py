"""Grants move from the sharing app into the access layer: the table stays (sharing_grant); only Django's
state moves, and the content type follows so that admin history and permissions keep pointing at it."""

import django.db.models.deletion
import django.utils.timezone
import uuid
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="access", model="grant").exists():
        ContentType.objects.filter(app_label="sharing", model="grant").update(app_label="access")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('health_records', '0003_staged_uploads_kept_after_a_form_error'),
        ('sharing', '0005_emergency_current_treatments_from_the_treatments_app'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Grant',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('public_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ('scope', models.CharField(choices=[('all', 'The whole file'), ('records', 'Chosen records'), ('kinds', 'Chosen kinds of records')], default='all', max_length=10, verbose_name='what they see')),
                        ('kinds', models.JSONField(blank=True, default=list, verbose_name='kinds of records')),
                        ('permission', models.CharField(choices=[('read', 'Read'), ('comment', 'Read and comment'), ('contribute', 'Read, comment and add records')], max_length=12, verbose_name='what they may do')),
                        ('origin', models.CharField(choices=[('patient', 'given by the patient'), ('access_request', 'approved access request'), ('break_glass', 'emergency (break-glass) access'), ('proposal', 'proposed by the care team'), ('quick_account', 'the professional who created the account')], default='patient', max_length=16)),
                        ('reason', models.CharField(blank=True, max_length=500, verbose_name='reason')),
                        ('starts_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('ends_at', models.DateTimeField(blank=True, null=True, verbose_name='until')),
                        ('revoked_at', models.DateTimeField(blank=True, null=True)),
                        ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('patient', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='grants_given', to=settings.AUTH_USER_MODEL)),
                        ('professional', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='grants_received', to=settings.AUTH_USER_MODEL)),
                        ('records', models.ManyToManyField(blank=True, related_name='grants', to='health_records.healthrecord')),
                        ('revoked_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'sharing_grant',
                        'ordering': ['-starts_at', '-id'],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('revoked_at__isnull', True)), fields=('patient', 'professional'), name='one_unrevoked_grant_per_pair'), models.CheckConstraint(condition=models.Q(('scope__in', ['all', 'records', 'kinds'])), name='grant_scope_known'), models.CheckConstraint(condition=models.Q(('permission__in', ['read', 'comment', 'contribute'])), name='grant_permission_known'), models.CheckConstraint(condition=models.Q(('ends_at__isnull', True), ('ends_at__gt', models.F('starts_at')), _connector='OR'), name='grant_ends_after_start'), models.CheckConstraint(condition=models.Q(('patient', models.F('professional')), _negated=True), name='grant_not_to_oneself')],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_type, migrations.RunPython.noop),
    ]
