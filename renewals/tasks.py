"""Periodic jobs of renewals (declared in crous_admin/schedule.py): thin, the services decide."""

from __future__ import annotations

from celery import shared_task

from renewals.services.confirmations import renewal_confirmations_track
from renewals.services.reminders import renewal_reminders_send


@shared_task(ignore_result=True)
def track_renewal_confirmations() -> dict[str, int]:
    result = renewal_confirmations_track()
    return {"confirmed": result.confirmed, "escalated": result.escalated}


@shared_task(ignore_result=True)
def send_renewal_reminders() -> int:
    return renewal_reminders_send()
