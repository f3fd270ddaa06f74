"""Celery tasks of Assistance: thin, idempotent, declared periodic in crous_admin/schedule.py."""

from __future__ import annotations

from celery import shared_task

from assistance.services.escalation import tickets_escalate_overdue


@shared_task(name="assistance.tasks.escalate_overdue_tickets", ignore_result=True)
def escalate_overdue_tickets() -> int:
    """Alerts each Crous of its tickets that just became overdue (once per due time)."""
    return tickets_escalate_overdue()
