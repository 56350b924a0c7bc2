import pytest
from django.utils.module_loading import import_string

from relyfe.celery import LAST_TASK_EXECUTED_CACHE_KEY
from relyfe.tasks import heartbeat
from tests.conftest import SHARED_CACHES, wait_until


def shared_cache():
    """The cache as the worker sees it (the tests' own cache is replaced by an in-memory one)."""
    config = SHARED_CACHES["default"]
    return import_string(config["BACKEND"])(config["LOCATION"], {})


@pytest.mark.celery
def test_a_real_worker_runs_a_task_sent_through_the_broker_and_records_it(celery_worker):
    cache = shared_cache()
    cache.delete(LAST_TASK_EXECUTED_CACHE_KEY)

    heartbeat.delay()

    wait_until(lambda: cache.get(LAST_TASK_EXECUTED_CACHE_KEY) is not None, worker=celery_worker)
