from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """The last time a Celery worker ran the periodic heartbeat job sent by beat.

    One row per source (``name``); the health page reads it to tell whether beat, the
    broker and at least one worker are all alive.
    """

    name = models.CharField(_("name"), max_length=64, unique=True)
    beat_at = models.DateTimeField(_("last beat"))
    worker = models.CharField(_("worker"), max_length=255, blank=True)
    count = models.PositiveBigIntegerField(_("beats"), default=0)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"
