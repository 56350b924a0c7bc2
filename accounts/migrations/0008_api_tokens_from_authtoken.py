"""The one token per user of rest_framework.authtoken becomes a per-device token: the apps signed in
before keep working, without signing in again, until it expires (API_TOKEN_LIFETIME_DAYS from now,
renewed while used like any other). It is stored hashed, and the old table, which held tokens in clear,
is emptied. authtoken is no longer installed, so its table is read by name, when it exists."""

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone
from django.utils.dateparse import parse_datetime

AUTHTOKEN_TABLE = "authtoken_token"
PREFIX_LENGTH = 12  # accounts.tokens.PREFIX_LENGTH when this was written


def _aware(created) -> datetime:
    """SQLite gives the column back as text in UTC, PostgreSQL as an aware datetime."""
    if isinstance(created, str):
        created = parse_datetime(created)
    return created if timezone.is_aware(created) else created.replace(tzinfo=UTC)


def convert(apps, schema_editor):
    connection = schema_editor.connection
    if AUTHTOKEN_TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("accounts", "ApiToken")
    table = schema_editor.quote_name(AUTHTOKEN_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, user_id, created FROM {table}")  # noqa: S608  # nosec B608  # a constant table name, quoted
        rows = cursor.fetchall()
    expires_at = timezone.now() + timedelta(days=settings.API_TOKEN_LIFETIME_DAYS)
    ApiToken.objects.bulk_create(
        ApiToken(
            public_id=uuid.uuid4(),
            user_id=user_id,
            prefix=key[:PREFIX_LENGTH],
            digest=hashlib.sha256(key.encode()).hexdigest(),
            device_name="",
            created_at=_aware(created),
            expires_at=expires_at,
        )
        for key, user_id, created in rows
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608  # nosec B608  # a constant table name, quoted


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_api_token"),
    ]

    # Backwards: the tokens stay in the new table; the old one is not refilled (it would hold them in clear).
    operations = [migrations.RunPython(convert, migrations.RunPython.noop)]
