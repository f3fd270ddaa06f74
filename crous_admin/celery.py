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


def _install_schedule() -> None:
    # Imported late: the schedule names tasks of the project's apps.
    from crous_admin.schedule import BEAT_SCHEDULE

    app.conf.beat_schedule = BEAT_SCHEDULE


_install_schedule()
