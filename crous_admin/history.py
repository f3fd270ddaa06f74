"""The audit trail: who changed a row and why, recorded by django-simple-history."""

from __future__ import annotations

from typing import Any


def record_author(instance: Any, by: Any, reason: str) -> None:
    """Names the author and the reason of the next save of ``instance`` in its history."""
    # django-simple-history reads these two attributes when the row is saved.
    instance._history_user = by
    instance._change_reason = reason
