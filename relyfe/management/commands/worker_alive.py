"""Exits 0 when a worker executed a task recently, non-zero otherwise: for a watchdog that restarts a hung
worker (deploy/systemd/relyfe-worker-watchdog.service). A worker that answers `celery inspect ping` can still
be hung (its pool jammed after a killed process): only the age of the last task executed tells."""

from django.conf import settings
from django.core.management.base import BaseCommand

from relyfe.health import Unknown, seconds_since_last_task_executed

ALIVE, STALE, NEVER, UNKNOWN = 0, 1, 2, 3


class Command(BaseCommand):
    help = "Exits 0 if a worker executed a task within the limit; 1 stale, 2 never, 3 cannot tell (cache down)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--max-age",
            type=int,
            default=None,
            help="Seconds; WORKER_STALE_SECONDS by default.",
        )

    def handle(self, *args, max_age: int | None, **options):
        limit = settings.WORKER_STALE_SECONDS if max_age is None else max_age
        try:
            age = seconds_since_last_task_executed()
        except Unknown:
            self.stderr.write("Cannot tell: the last task executed cannot be read (cache down).")
            raise SystemExit(UNKNOWN) from None
        if age is None:
            self.stderr.write("No task was ever executed.")
            raise SystemExit(NEVER)
        if age > limit:
            self.stderr.write(f"No task executed for {age} s (limit {limit} s).")
            raise SystemExit(STALE)
        self.stdout.write(f"A task was executed {age} s ago (limit {limit} s).")
