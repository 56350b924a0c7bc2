"""The worker under faults, with real processes: a prefork Celery worker as deploy/systemd runs it, on the run's
broker, its pool processes and itself killed with SIGKILL or stopped with SIGTERM in the middle of a task.

The task (tests/relyfe/fault_tasks.py) leaves a file when it starts and appends to another when it finishes:
a run cut short leaves the first only, and "exactly once" is one line in the second.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import database_url_of_tests, kill_process_group, wait_until
from tests.relyfe.fault_tasks import slow_work

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

DEADLINE = 120  # seconds: a worker starts in a few seconds, but a loaded 2-core machine is slow


def start_worker(project_root, **environment) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tests.relyfe.fault_tasks",
            "worker",
            "--pool=prefork",
            "--concurrency=2",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "--loglevel=INFO",
        ],
        cwd=project_root,
        env={**os.environ, "DATABASE_URL": database_url_of_tests(), **environment},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: killed whole at the end of the test
    )


@pytest.fixture
def workers():
    started: list[subprocess.Popen] = []
    yield started
    for worker in started:
        kill_process_group(worker)


@pytest.fixture
def trace(tmp_path) -> Path:
    return tmp_path


def starts(trace: Path, work_id: str) -> list[int]:
    return [int(path.name.rsplit(".", 1)[1]) for path in trace.glob(f"{work_id}.started.*")]


def ends(trace: Path, work_id: str) -> list[int]:
    done = trace / f"{work_id}.done"
    return [int(pid) for pid in done.read_text().split()] if done.exists() else []


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ")[1].startswith("Z"))


def test_a_pool_process_killed_mid_task_runs_the_task_again_exactly_once_and_the_worker_goes_on(
    project_root, workers, trace
):
    worker = start_worker(project_root)
    workers.append(worker)
    slow_work.delay("killed", 3, str(trace))
    wait_until(lambda: starts(trace, "killed"), worker=worker, seconds=DEADLINE)
    [killed_process] = starts(trace, "killed")

    os.kill(killed_process, signal.SIGKILL)  # what the OOM killer does

    wait_until(lambda: ends(trace, "killed"), worker=worker, seconds=DEADLINE)
    slow_work.delay("after-1", 0.1, str(trace))
    slow_work.delay("after-2", 0.1, str(trace))
    wait_until(lambda: ends(trace, "after-1") and ends(trace, "after-2"), worker=worker, seconds=DEADLINE)
    assert len(starts(trace, "killed")) == 2
    assert ends(trace, "killed") != [killed_process]
    assert len(ends(trace, "killed")) == 1


def test_a_task_past_its_hard_time_limit_is_stopped_and_the_worker_goes_on(project_root, workers, trace):
    worker = start_worker(project_root)
    workers.append(worker)

    # The hard limit only (the soft one, 60 s by default, comes later): the pool process running it is killed.
    slow_work.apply_async(("endless", 600, str(trace)), time_limit=2)
    wait_until(lambda: starts(trace, "endless"), worker=worker, seconds=DEADLINE)
    [stuck_process] = starts(trace, "endless")
    wait_until(lambda: not process_exists(stuck_process), worker=worker, seconds=DEADLINE)

    slow_work.delay("after", 0.1, str(trace))
    wait_until(lambda: ends(trace, "after"), worker=worker, seconds=DEADLINE)
    assert ends(trace, "endless") == []


def test_a_stopped_worker_gives_back_the_task_it_was_running_and_the_next_one_finishes_it(project_root, workers, trace):
    # As deploy/systemd/relyfe-worker.service stops it: SIGTERM, a cold shutdown after a soft one.
    stopping = {"REMAP_SIGTERM": "SIGQUIT", "CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT": "1"}
    first = start_worker(project_root, **stopping)
    workers.append(first)
    slow_work.delay("long", 30, str(trace))
    wait_until(lambda: starts(trace, "long"), worker=first, seconds=DEADLINE)

    first.send_signal(signal.SIGTERM)
    first.wait(timeout=60)  # a plain warm shutdown would wait for the 30 s task (and for ever for a jammed pool)
    [cut_short] = starts(trace, "long")
    wait_until(lambda: not process_exists(cut_short), seconds=30)
    assert ends(trace, "long") == []

    second = start_worker(project_root, **stopping)
    workers.append(second)
    wait_until(lambda: ends(trace, "long"), worker=second, seconds=DEADLINE + 30)
    assert len(starts(trace, "long")) == 2
    assert len(ends(trace, "long")) == 1


def test_the_task_of_a_killed_main_process_is_lost_by_the_embedded_broker_and_redelivered_by_redis(
    project_root, workers, trace, run_broker
):
    """kombu's filesystem transport deletes a message's file as it hands it to the worker: the message then
    lives in the worker's memory only, and SIGKILL of the main process loses it (its pool processes die with it,
    so the task does not finish either). No worker setting changes that; the outbox's sweeper, which queues
    stuck work again, is what recovers it (tests/relyfe/test_fault_scenarios.py). This test pins the limitation,
    so that it is known, not hoped away. Redis keeps a message taken and not acknowledged (acks_late) in its
    "unacked" set: the next worker gets it back after the visibility timeout, and runs it once."""
    environment = {**run_broker.environment, "REDIS_VISIBILITY_TIMEOUT": "5"}
    first = start_worker(project_root, **environment)
    workers.append(first)
    slow_work.delay("held", 3, str(trace))
    wait_until(lambda: starts(trace, "held"), worker=first, seconds=DEADLINE)
    [pool_process] = starts(trace, "held")

    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=30)

    wait_until(lambda: not process_exists(pool_process), seconds=30)  # died with its parent, unfinished
    second = start_worker(project_root, **environment)
    workers.append(second)
    if run_broker.name == "redis":
        wait_until(lambda: ends(trace, "held"), worker=second, seconds=DEADLINE)
        assert len(starts(trace, "held")) == 2
        assert len(ends(trace, "held")) == 1
        return
    slow_work.delay("probe", 0.1, str(trace))
    wait_until(lambda: ends(trace, "probe"), worker=second, seconds=DEADLINE)
    assert ends(trace, "held") == []
    assert len(starts(trace, "held")) == 1
    # What a starting worker queues for itself (heartbeat, outbox dispatch) may still be there; the held task is not.
    assert not [message for message in run_broker.messages() if "held" in message]
