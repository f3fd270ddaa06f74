"""The Celery application.

Production: Redis broker (``REDIS_URL``), any number of ``celery worker`` processes on any
number of machines, and exactly one ``celery beat`` (django-celery-beat's database scheduler).
Embedded default: kombu's ``filesystem://`` transport in ``var/celery-broker/``.

Tasks are thin (load by id, call a service), acknowledged late and re-queued when a worker
dies, so every task must be safe to run twice; results are not stored, the database is the
source of truth.
"""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crous_admin.settings")

app = Celery("crous_admin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_serializer="json",
    accept_content=["json"],
    result_serializer="json",
    task_ignore_result=True,
    result_backend=None,
    # A task is acknowledged once it has run, and given back to the queue when its worker
    # dies, so a SIGKILLed worker loses nothing (shared/STACK.md: 2 of 10 lost otherwise).
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    # One task in hand per process: a killed worker's reserved tasks only come back after
    # the visibility timeout (1 h), so reserve no more than the one being run.
    worker_prefetch_multiplier=1,
    # Far below the broker's visibility timeout (1 h): a task that outlives it runs twice.
    task_soft_time_limit=45,
    task_time_limit=60,
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
    timezone="Europe/Paris",
    enable_utc=True,
    beat_scheduler="django_celery_beat.schedulers:DatabaseScheduler",
)
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _recycle_database_connections(task: object = None, **kwargs: object) -> None:
    # Celery's Django fixup would close the connection around every task (a reconnect per
    # delivery: a third of the outbox's throughput); with CELERY_DB_REUSE_MAX it keeps it,
    # and Django's own rules (CONN_MAX_AGE, CONN_HEALTH_CHECKS) decide here, as between
    # two web requests, when a connection is too old or broken to keep. Not for eager tasks:
    # they run inside the caller's transaction.
    if getattr(getattr(task, "request", None), "is_eager", False):
        return
    close_old_connections()


def _install_schedule() -> None:
    # Imported late: the schedule names tasks of the project's apps.
    from crous_admin.schedule import BEAT_SCHEDULE

    app.conf.beat_schedule = BEAT_SCHEDULE


_install_schedule()
