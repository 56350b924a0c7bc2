from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

from relyfe.tasks import HEARTBEAT_CACHE_KEY


def database_is_up() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def broker_is_up() -> bool:
    broker = Connection(
        settings.CELERY_BROKER_URL,
        transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        connect_timeout=2,
    )
    try:
        broker.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False
    finally:
        broker.release()


def seconds_since_worker_heartbeat() -> int | None:
    try:
        last = cache.get(HEARTBEAT_CACHE_KEY)
    except Exception:
        return None
    if last is None:
        return None
    return int((timezone.now() - datetime.fromisoformat(last)).total_seconds())


@never_cache
@require_GET
def healthz(request):
    database, broker = database_is_up(), broker_is_up()
    body = {
        "status": "ok" if database and broker else "error",
        "database": "up" if database else "down",
        "broker": "up" if broker else "down",
        # Informative only: a worker restarting is no reason to take the web servers out.
        "worker_heartbeat_seconds_ago": seconds_since_worker_heartbeat(),
    }
    return JsonResponse(body, status=200 if database and broker else 503)
