"""Forms of the student pages' frame, drawn with the French State design system (DSFR)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from crous_admin.portal.services import email_taken_message


class PortalForm(DsfrBaseForm):
    """DSFR form styling, without django-dsfr's per-render deprecation warnings.

    django-dsfr warns on every render until ``DSFR_MARK_OPTIONAL_FIELDS`` is decided; these
    forms keep its current behaviour (required fields marked) and say so here instead.
    """

    def get_context(self) -> dict[str, Any]:
        context = super(DsfrBaseForm, self).get_context()
        context.setdefault("DSFR_MARK_OPTIONAL_FIELDS", False)
        return context


class EmailAuthenticationForm(PortalForm, AuthenticationForm):
    """Log in with an email address; its case does not matter (``UserManager``)."""

    username = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "This email address and password do not match an account. Check them, or create "
            "an account if you have none yet. Your password is not your activation code."
        ),
    }


class SignupForm(PortalForm):
    email = forms.EmailField(
        label=_("Email address"),
        help_text=_("You will log in with it. Use an address you read often."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    first_name = forms.CharField(
        label=_("First name"),
        max_length=150,
        widget=forms.TextInput({"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=150,
        widget=forms.TextInput({"autocomplete": "family-name"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        # Lazy: the validators' advice is rendered in the language of each request.
        help_text=lazy(password_validation.password_validators_help_text_html, str)(),
    )
    password2 = forms.CharField(
        label=_("Password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Type the same password again, to check it."),
    )

    def clean_email(self) -> str:
        user_model = get_user_model()
        email = user_model.objects.normalize_email(self.cleaned_data["email"])
        # Checked here for a message beside the field; the service and the database's
        # case-insensitive unique constraint still refuse a race between two sign-ups.
        if user_model.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(email_taken_message(), code="email_taken")
        return email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ: type the same one twice."))
        elif password1:
            candidate = get_user_model()(
                email=cleaned.get("email", ""),
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
            )
            try:
                password_validation.validate_password(password1, user=candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned
