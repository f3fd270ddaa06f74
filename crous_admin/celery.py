"""The Celery application.

Production: Redis broker (``REDIS_URL``), any number of ``celery worker`` processes on any
number of machines, and exactly one ``celery beat`` (django-celery-beat's database scheduler).
Embedded default (no ``REDIS_URL``): message files in ``var/celery-broker/`` through
``atomicfs://`` (crous_admin/celery_transport.py), whose messages only ever appear whole.

Tasks are thin (load by id, call a service), acknowledged late and re-queued when a worker
dies, so every task must be safe to run twice; results are not stored, the database is the
source of truth.
"""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import beat_init, task_postrun, task_prerun, worker_process_init
from django.db import close_old_connections

# Registers the ``atomicfs://`` alias of the embedded broker before any connection is made.
from crous_admin import celery_transport  # noqa: F401

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
    # A worker waits for its broker for as long as it takes: Celery's default gives up after
    # 100 attempts (about 46 minutes), and then nothing is delivered until someone restarts
    # it. Retries back off from 2 s by 2 s up to 30 s between attempts.
    broker_connection_retry=True,
    broker_connection_retry_on_startup=True,
    broker_connection_max_retries=None,
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


@worker_process_init.connect
def _leave_the_workers_process_group(**kwargs: object) -> None:
    # ``make run`` (honcho) stops each process by signalling its whole process group: pool
    # processes killed that way die mid-task and their worker logs an ERROR per process. Out
    # of the group, they are stopped by their worker instead, after their current task. (Under
    # systemd, KillMode=mixed does the same: docs/deployment.md.) Were the worker itself
    # killed, a pool process sees its pipe close and exits.
    os.setpgid(0, 0)


@beat_init.connect
def _heartbeat_when_beat_starts(sender: object = None, **kwargs: object) -> None:
    # The health page (and ``make run``'s ready message) can tell beat, the broker and a
    # worker work together as soon as beat is up, instead of a minute later.
    app.send_task("crous_admin.health.tasks.record_heartbeat", expires=50)


def _install_schedule() -> None:
    # Imported late: the schedule names tasks of the project's apps.
    from crous_admin.schedule import BEAT_SCHEDULE

    app.conf.beat_schedule = BEAT_SCHEDULE


_install_schedule()
