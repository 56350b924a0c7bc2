"""Every task has a soft and a hard time limit, and the worker's liveness limit leaves room for the longest."""

from django.conf import settings

from relyfe.celery import app

PROJECT_APPS = ("relyfe", "access", "documents", "accounts", "health_records", "treatments", "notifications")
PROJECT_APPS += ("comments", "sharing", "faces", "printing", "audit", "home", "demo")


def project_tasks():
    app.loader.import_default_modules()
    return [task for name, task in sorted(app.tasks.items()) if name.split(".")[0] in PROJECT_APPS]


def limits(task) -> tuple[float, float]:
    soft = task.soft_time_limit or app.conf.task_soft_time_limit
    hard = task.time_limit or app.conf.task_time_limit
    return soft, hard


def test_every_task_has_a_soft_limit_below_its_hard_limit():
    tasks = project_tasks()

    assert len(tasks) >= 10
    for task in tasks:
        soft, hard = limits(task)
        assert soft and hard, task.name
        assert soft < hard, task.name


def test_a_worker_busy_with_its_longest_tasks_is_not_judged_stale():
    longest = max(limits(task)[1] for task in project_tasks())

    assert longest + 60 < settings.WORKER_STALE_SECONDS  # 60: beat's heartbeat interval


def test_stopping_a_worker_gives_running_tasks_less_time_than_systemd_waits(project_root):
    unit = (project_root / "deploy" / "systemd" / "relyfe-worker.service").read_text()
    stop_timeout = int(unit.split("TimeoutStopSec=")[1].split()[0])

    assert "REMAP_SIGTERM=SIGQUIT" in unit
    assert stop_timeout >= settings.CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT + 30
