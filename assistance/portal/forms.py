"""Forms of the student side of Assistance (DSFR)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from assistance.attachments import ACCEPT
from assistance.models import TicketCategory
from crous_admin.portal.forms import PortalForm
from residences.models import Crous
from tenants.ine import normalize_ine, validate_ine


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern); checked by the service."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


ATTACHMENTS_HELP = _("PDF, JPEG or PNG, up to 5 MB each, three files at most.")


class TicketForm(PortalForm):
    crous = forms.ModelChoiceField(label=_("Your Crous"), queryset=Crous.objects.none())
    category = forms.ChoiceField(label=_("What is it about?"), choices=TicketCategory.choices)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Your message"), widget=forms.Textarea(attrs={"rows": 6}))
    attachments = MultipleFileField(label=_("Attachments"), help_text=ATTACHMENTS_HELP)

    def __init__(self, *args: Any, crous_choices: list[Crous], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["crous"]
        field.queryset = Crous.objects.filter(pk__in=[c.pk for c in crous_choices])
        field.choices = [("", "---------"), *((c.pk, c.name) for c in crous_choices)]


class ReplyForm(PortalForm):
    body = forms.CharField(label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 5}))
    attachments = MultipleFileField(label=_("Attachments"), help_text=ATTACHMENTS_HELP)


class LostAccessForm(PortalForm):
    crous = forms.ModelChoiceField(
        label=_("The Crous of your residence"), queryset=Crous.objects.none()
    )
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150)
    ine = forms.CharField(
        label=_("INE"),
        max_length=32,
        help_text=_("Your national student number: 11 characters, on your student card."),
    )
    residence = forms.CharField(label=_("Assigned residence"), max_length=200)
    email = forms.EmailField(
        label=_("Contact email"),
        help_text=_("The address you can read now: we send a confirmation link there."),
    )
    body = forms.CharField(
        label=_("What happened?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("E.g. “I changed my email address and cannot log in any more.”"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from django_scopes import scopes_disabled

        with scopes_disabled():
            self.fields["crous"].queryset = Crous.objects.filter(is_active=True).order_by("name")
            self.fields["crous"].choices = [
                ("", "---------"),
                *((c.pk, c.name) for c in self.fields["crous"].queryset),
            ]

    def clean_ine(self) -> str:
        ine = normalize_ine(self.cleaned_data["ine"])
        validate_ine(ine)
        return ine
