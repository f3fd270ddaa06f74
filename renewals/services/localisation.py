"""The language and the Crous' local time that renewal messages are written in."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils import formats, timezone, translation

from residences.models import Crous


def language() -> str:
    return translation.get_language() or settings.LANGUAGE_CODE


def local(moment: datetime | None, crous: Crous) -> str:
    from zoneinfo import ZoneInfo

    if moment is None:  # not submitted yet: nothing to show
        return ""

    local = timezone.localtime(moment, ZoneInfo(str(crous.time_zone)))
    return formats.date_format(local, "DATETIME_FORMAT")
