"""System checks of the outbox: no fault-injecting backend outside development and tests."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from notifications.faults import FAULTY_BACKENDS


@register("notifications", deploy=False)
def fault_backends_only_in_debug(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """A fault-injecting backend in production would drop or delay real students' mail."""
    if settings.DEBUG:
        return []
    return [
        Error(
            f"{name} is {getattr(settings, name)!r}, a backend that injects faults on purpose.",
            hint="It is for tests and local drills: set a real backend, or DEBUG=true.",
            id="notifications.E001",
        )
        for name in ("EMAIL_BACKEND", "SMS_BACKEND")
        if getattr(settings, name, "") in FAULTY_BACKENDS
    ]
