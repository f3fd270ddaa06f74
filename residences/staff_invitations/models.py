"""One invitation of one person to one staff role, kept as the record of who invited whom."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager
from simple_history.models import HistoricalRecords

from crous_admin.accounts.roles import Role


class StaffInvitation(models.Model):
    email = models.EmailField(_("email address"))
    crous = models.ForeignKey(
        "residences.Crous",
        on_delete=models.CASCADE,
        related_name="staff_invitations",
        null=True,
        blank=True,
        verbose_name=_("Crous"),
    )
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_invitations",
        verbose_name=_("account"),
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    invited_at = models.DateTimeField(_("invited at"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)

    objects = ScopedManager(crous="crous")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("staff invitation")
        verbose_name_plural = _("staff invitations")
        ordering = ("-invited_at",)

    def __str__(self) -> str:
        return f"{self.email} — {self.get_role_display()}"
