"""Grants now live in the access app (same table): only Django's state changes."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('access', '0001_initial'),
        ('sharing', '0005_emergency_current_treatments_from_the_treatments_app'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='accessrequest',
                    name='grant',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='access.grant'),
                ),
                migrations.AlterField(
                    model_name='careteamproposal',
                    name='grant',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='access.grant'),
                ),
                migrations.DeleteModel(
                    name='Grant',
                ),
            ],
        ),
    ]
