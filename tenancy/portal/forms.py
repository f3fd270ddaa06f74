"""Forms of the tenant space's student pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crous_admin.portal.forms import PortalForm
from tenancy.agreements import CONSENT_TEXT


class AgreementSignForm(PortalForm):
    """What signing takes; the service checks it (consent, name, document hash)."""

    consent = forms.BooleanField(label=CONSENT_TEXT, required=False)
    typed_name = forms.CharField(
        label=_("Your first name and last name"),
        help_text=_("Type them as they appear on the agreement: this is your signature."),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    document_sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)


class VerificationForm(PortalForm):
    code = forms.CharField(
        label=_("Verification code"),
        help_text=_("Printed at the bottom of every page of the document, e.g. ABCD-EFGH-JKMN"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    pdf = forms.FileField(
        label=_("The PDF you hold (optional)"),
        help_text=_("To check that it is exactly the document issued. It is not kept."),
        required=False,
    )
