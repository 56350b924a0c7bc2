"""The project's Celery app in a worker whose pool processes are killed (SIGKILL, as the OOM killer does) each
time they start reading a prescription: `celery -A tests.relyfe.poison_worker worker`. Only the document reading
is replaced; the task, its start and the broker's redelivery are the project's own.

Each kill leaves `killed.<pid>` in the folder POISON_TRACE names.
"""

import os
import signal
from pathlib import Path

from celery.signals import worker_process_init

from relyfe.celery import app

__all__ = ["app"]


def killed_while_reading(*args, **kwargs):
    Path(os.environ["POISON_TRACE"], f"killed.{os.getpid()}").touch()
    os.kill(os.getpid(), signal.SIGKILL)


@worker_process_init.connect
def poison_the_reading(**kwargs) -> None:
    import documents.reading

    documents.reading.read_document = killed_while_reading
