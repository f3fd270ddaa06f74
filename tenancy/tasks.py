"""Periodic jobs of the tenant space (declared in crous_admin/schedule.py)."""

from __future__ import annotations

from celery import shared_task

from tenancy.ledger import ledger_charges_generate


@shared_task(ignore_result=True)
def generate_monthly_charges() -> int:
    """Adds every tenant file's rent charges due by today; idempotent (one per month)."""
    return ledger_charges_generate()
