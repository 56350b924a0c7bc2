import os
import subprocess
import sys
import time

import pytest
from django.utils.module_loading import import_string

from relyfe.tasks import HEARTBEAT_CACHE_KEY, heartbeat
from tests.conftest import SHARED_CACHES


def shared_cache():
    """The cache as the worker sees it (the tests' own cache is replaced by an in-memory one)."""
    config = SHARED_CACHES["default"]
    return import_string(config["BACKEND"])(config["LOCATION"], {})


@pytest.mark.celery
def test_a_real_worker_runs_a_task_sent_through_the_broker(project_root):
    cache = shared_cache()
    cache.delete(HEARTBEAT_CACHE_KEY)
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "relyfe",
            "worker",
            "--pool=solo",
            "--without-mingle",
            "--without-gossip",
            "--loglevel=WARNING",
        ],
        cwd=project_root,
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        heartbeat.delay()
        deadline = time.monotonic() + 60
        while cache.get(HEARTBEAT_CACHE_KEY) is None and time.monotonic() < deadline:
            assert worker.poll() is None, worker.stdout.read()
            time.sleep(0.2)
        assert cache.get(HEARTBEAT_CACHE_KEY) is not None
    finally:
        worker.terminate()
        worker.wait(timeout=30)
