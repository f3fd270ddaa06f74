"""Forms of the student pages' housing section."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crous_admin.portal.forms import PortalForm


class TenantCodeForm(PortalForm):
    """The activation code, as typed: ``tenant_code_redeem`` reads and explains it.

    Not required here on purpose: an empty field gets the service's explanation (what a code
    looks like and where it comes from), the same as the API's.
    """

    code = forms.CharField(
        label=_("Activation code"),
        help_text=_("10 letters and digits, e.g. ABCD-EFGH-JK"),
        required=False,
        # Longer than a code: what people paste by mistake (an email address…) is explained
        # by the service rather than cut short by the browser.
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )
