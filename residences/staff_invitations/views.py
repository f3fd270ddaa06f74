"""The invited staff member's one-time link: choose a password (or sign in with ProConnect)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import PasswordResetConfirmView
from django.http import HttpResponse
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from residences.staff_invitations.services import staff_invitation_accept


class StaffInvitationAcceptView(PasswordResetConfirmView):
    template_name = "residences/staff_invitation_accept.html"
    success_url = reverse_lazy("portal:login")
    extra_context = {"title": gettext_lazy("Choose your password")}

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        staff_invitation_accept(user=form.user)
        messages.success(self.request, _("Your password is set: log in to the back-office."))
        return response
