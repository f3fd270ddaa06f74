"""A real Celery worker process, on the real Redis, runs a task of ours."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from crous_admin.health.models import Heartbeat
from crous_admin.health.tasks import record_heartbeat
from crous_admin.testing.celery_worker import wait_until

pytestmark = pytest.mark.integration


def test_a_real_worker_on_redis_runs_the_heartbeat_task(celery_worker_process):
    worker = celery_worker_process()

    record_heartbeat.apply_async(queue=worker.queue)

    def beat_recorded() -> bool:
        with scopes_disabled():
            return Heartbeat.objects.filter(name="celery", worker__startswith=worker.queue).exists()

    assert wait_until(beat_recorded, timeout=30), worker.log()
