"""Celery heartbeats, read-only: written by the periodic job, read by the health page."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from crous_admin.health.models import Heartbeat


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ("name", "beat_at", "worker", "count")
    readonly_fields = ("name", "beat_at", "worker", "count")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
