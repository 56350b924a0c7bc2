"""The professional's home: their patients with what is new, the last patients they saw, and their
latest notifications (which carry no health detail)."""

import datetime

from django.db.models import Max
from django.utils import timezone

from access.policy import Action, decide
from audit.models import AccessEvent
from comments.selectors import unread_counts
from health_records.models import HealthRecord
from notifications.selectors import notifications_for_user
from sharing.selectors import my_patients

NEW_FOR_DAYS = 7
RECENT_PATIENTS = 5


def professional_dashboard(*, user) -> dict:
    since = timezone.now() - datetime.timedelta(days=NEW_FOR_DAYS)
    patients = []
    for grant in my_patients(user=user):
        access = decide(user, Action.VIEW, grant.patient)
        records = HealthRecord.objects.filter(patient=grant.patient).active()
        if access.records is not None:
            records = records.filter(access.records)
        recent = list(records.filter(created_at__gte=since).exclude(author=user).only("pk", "patient"))
        commented = list(records.filter(comments__created_at__gte=since).distinct().only("pk", "patient"))
        patients.append(
            {
                "grant": grant,
                "patient": grant.patient,
                "new_records": len(recent),
                "unread_comments": sum(unread_counts(user=user, records=commented).values()),
            }
        )
    last_seen = (
        AccessEvent.objects.filter(actor=user)
        .values("patient")
        .annotate(last=Max("at"))
        .order_by("-last")[:RECENT_PATIENTS]
    )
    by_id = {entry["patient"].pk: entry for entry in patients}
    return {
        "patients": patients,
        "recent": [by_id[seen["patient"]] | {"last": seen["last"]} for seen in last_seen if seen["patient"] in by_id],
        "activity": notifications_for_user(user=user)[:10],
    }
