"""The reminders' metrics for /metrics (relyfe/metrics.py; the URLconf hands them to the view).

A reminder is late when it is still to send METRICS_REMINDER_LATE_MINUTES after its time: the workers do not
keep up, or none runs. One past REMINDER_LATENESS is never sent (marked "too late"): those of the last day
are counted too. Counts only, no patient: two indexed queries on (status, due_at).
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from treatments.models import ReminderDispatch


def reminders_metrics():
    now = timezone.now()
    late_after = now - timedelta(minutes=settings.METRICS_REMINDER_LATE_MINUTES)
    pending = ReminderDispatch.objects.filter(status=ReminderDispatch.Status.PENDING, due_at__lte=now).aggregate(
        due=Count("id"),
        oldest=Min("due_at"),
    )
    late = ReminderDispatch.objects.filter(status=ReminderDispatch.Status.PENDING, due_at__lte=late_after).count()
    missed = ReminderDispatch.objects.filter(
        status=ReminderDispatch.Status.LATE, due_at__gte=now - timedelta(days=1)
    ).count()

    late_family = GaugeMetricFamily(
        "relyfe_reminders_late",
        f"Reminders still to send {settings.METRICS_REMINDER_LATE_MINUTES} minutes or more after their time.",
    )
    late_family.add_metric([], late)
    due_family = GaugeMetricFamily("relyfe_reminders_due", "Reminders whose time has come, still to send.")
    due_family.add_metric([], pending["due"])
    oldest_family = GaugeMetricFamily(
        "relyfe_reminders_oldest_due_seconds", "How long ago the oldest reminder still to send was due (0: none)."
    )
    oldest = pending["oldest"]
    oldest_family.add_metric([], (now - oldest).total_seconds() if oldest else 0.0)
    missed_family = GaugeMetricFamily(
        "relyfe_reminders_missed_last_day", "Reminders of the last 24 hours never sent: past the lateness window."
    )
    missed_family.add_metric([], missed)
    return [late_family, due_family, oldest_family, missed_family]
