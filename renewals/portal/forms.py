"""The renewal request form of the student pages: contact details to confirm, SMS opt-in."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crous_admin.phone import FrenchMobileFormField
from crous_admin.portal.forms import PortalForm


class RenewalRequestForm(PortalForm):
    contact_email = forms.EmailField(
        label=_("Email address for the confirmation"),
        help_text=_("Pre-filled from your file: correct it if it is no longer right."),
    )
    contact_phone = FrenchMobileFormField(
        label=_("Mobile phone for the SMS confirmation"),
        required=False,
        help_text=_(
            "A French mobile, e.g. 06 12 34 56 78 or +262 692 12 34 56. Leave empty for no SMS."
        ),
    )
    sms_reminders = forms.BooleanField(
        label=_("Also remind me of renewal deadlines by SMS"),
        required=False,
    )
