"""The project's Celery app with one more task, for the fault tests: a worker started with
`celery -A tests.relyfe.fault_tasks worker` runs the project's tasks and `tests.slow_work`.

The task leaves its trace in files, not in the database, so that a test can tell a run that started from one
that finished even when the process running it was killed with SIGKILL.
"""

import os
import time
from pathlib import Path

from relyfe.celery import app

__all__ = ["app", "slow_work"]


@app.task(name="tests.slow_work")
def slow_work(work_id: str, seconds: float, folder: str) -> None:
    """Writes `<id>.started.<pid>`, works for `seconds`, then appends its pid to `<id>.done`."""
    Path(folder, f"{work_id}.started.{os.getpid()}").touch()
    time.sleep(seconds)
    with Path(folder, f"{work_id}.done").open("a") as done:
        done.write(f"{os.getpid()}\n")
