from __future__ import annotations

from datetime import timedelta

import time_machine
from django.utils import timezone

from crous_admin.health.models import Heartbeat
from crous_admin.health.services import heartbeat_is_fresh, heartbeat_record
from crous_admin.health.tasks import record_heartbeat


def test_recording_twice_keeps_one_row_and_counts_both_beats(db):
    heartbeat_record(worker="w1")
    heartbeat_record(worker="w2")

    beat = Heartbeat.objects.get(name="celery")
    assert (beat.count, beat.worker) == (2, "w2")


def test_heartbeat_turns_stale_after_three_minutes(db):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        record_heartbeat.delay()
        assert heartbeat_is_fresh()
    with time_machine.travel(start + timedelta(minutes=3, seconds=1), tick=False):
        assert not heartbeat_is_fresh()


def test_health_page_warns_when_no_worker_has_beaten(client, transactional_db):
    # The health view runs its checks in threads: they only see committed rows.
    response = client.get("/health/?format=json")

    assert response.status_code == 500
    assert "No Celery heartbeat in the last 3 minutes." in response.content.decode()


def test_health_page_is_green_with_a_fresh_heartbeat(client, transactional_db):
    heartbeat_record(worker="w1")

    response = client.get("/health/?format=json")

    assert response.status_code == 200, response.content
