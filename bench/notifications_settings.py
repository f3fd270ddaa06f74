"""The project's settings, with database connections kept across Celery tasks.

Celery's Django fixup closes every database connection before and after each task unless
``CELERY_DB_REUSE_MAX`` is set: the outbox benchmark runs a worker with and without it to
show what reconnecting costs per delivery.
"""

from __future__ import annotations

from crous_admin.settings import *  # noqa: F403

# Celery closes (and so reopens) the connection every this many tasks.
CELERY_DB_REUSE_MAX = 1000
