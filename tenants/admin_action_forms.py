"""Forms of the back-office's tenant-code actions (tenants/admin_actions.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminDateWidget, AutocompleteSelect
from django.utils.translation import gettext_lazy as _

from crous_admin.accounts.models import User
from residences.models import HousingUnit, UnitStatus
from tenants.models import TenantFile


class ConfirmForm(forms.Form):
    """Nothing to type: the POST itself (with its CSRF token) is the confirmation."""


class UnlinkForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the file's history, e.g. “lost access to the old email address”."),
    )


class RelinkForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address of the account"),
        help_text=_(
            "The exact address the student logs in with. Check their name, INE and residence "
            "against this file first."
        ),
    )

    account: User | None = None

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        self.account = User.objects.filter(email__iexact=email).first()
        if self.account is None:
            raise forms.ValidationError(
                _(
                    "No account uses this email address: check it with the student, or ask "
                    "them to create their account first."
                ),
                code="no_account",
            )
        return email


def _unit_field(admin_site: admin.AdminSite, queryset: Any, help_text: Any) -> forms.Field:
    # The autocomplete of the add form's "unit": free units of the viewer's Crous only
    # (residences/admin.py); the queryset below is what the POST is checked against.
    return forms.ModelChoiceField(
        label=_("housing unit"),
        queryset=queryset,
        widget=AutocompleteSelect(TenantFile._meta.get_field("unit"), admin_site),
        help_text=help_text,
    )


class ChangeUnitForm(forms.Form):
    new_code = forms.BooleanField(
        label=_("Issue a new code"),
        required=False,
        help_text=_("The new code is emailed to the student; the current one stops working."),
    )

    def __init__(
        self, *args: Any, tenant_file: TenantFile, admin_site: admin.AdminSite, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields = {
            "unit": _unit_field(
                admin_site,
                HousingUnit.objects.filter(
                    residence__crous_id=tenant_file.crous_id, status=UnitStatus.AVAILABLE
                ).select_related("residence"),
                _("A free unit of the same Crous. The account stays linked."),
            ),
            **self.fields,
        }


class TransferForm(forms.Form):
    start_date = forms.DateField(label=_("start date"), widget=AdminDateWidget)
    end_date = forms.DateField(label=_("end date"), widget=AdminDateWidget)

    def __init__(self, *args: Any, admin_site: admin.AdminSite, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields = {
            # Free units of every Crous the viewer sees; the Crous is checked on POST.
            "unit": _unit_field(
                admin_site,
                HousingUnit.objects.filter(status=UnitStatus.AVAILABLE).select_related("residence"),
                _("A free unit of the other Crous."),
            ),
            **self.fields,
        }
