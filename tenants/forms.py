"""Back-office forms for students and tenant files: each write is one service call.

The foreign keys (Crous, student, unit) are left out of ``Meta.fields`` on purpose: a form
class built at import time would hold their querysets from outside any Crous scope. The admin
adds them per request (from its fieldsets), with the viewer's scoped querysets and widgets.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crous_admin.academic_year import academic_year_validators
from crous_admin.admin import ServiceModelForm
from crous_admin.phone import FrenchMobileFormField
from tenants.code_services import IssuedCode, tenant_file_assign
from tenants.ine import normalize_ine
from tenants.models import Student, TenantFile
from tenants.services import STUDENT_FIELDS, student_create, student_update


class IneFormField(forms.CharField):
    """Takes an INE typed with spaces, dots, dashes or in lower case (``1234 567 890a``)."""

    def to_python(self, value: object) -> str:
        return normalize_ine(super().to_python(value))


class StudentAdminForm(ServiceModelForm):
    """Creates a student (``crous`` in the form) or updates one (``crous`` read-only)."""

    class Meta:
        model = Student
        fields = STUDENT_FIELDS  # + "crous" on creation, added by the admin
        field_classes = {"ine": IneFormField}

    mobile_phone = FrenchMobileFormField(label=_("mobile phone"), required=False)

    def call_service(self) -> Student:
        data = {k: v for k, v in self.cleaned_data.items() if k in STUDENT_FIELDS}
        if self.instance.pk is None:
            return student_create(
                by=self.request_user, crous_id=self.cleaned_data["crous"].pk, **data
            )
        return student_update(by=self.request_user, student=self.instance, **data)


class TenantFileAddForm(ServiceModelForm):
    """Assigns a housing unit to a student: the file's Crous is the student's.

    The file gets its tenant code at once: emailed to the student, or (``hand_over``) kept
    for a letter the admin prints right after saving; ``issued`` holds it until then.
    """

    academic_year = forms.IntegerField(
        label=_("academic year"),
        required=False,
        validators=academic_year_validators,
        help_text=_(
            "Start year of the academic year: 2026 for 2026-2027. "
            "Leave empty to use the year of the start date."
        ),
    )

    hand_over = forms.BooleanField(
        label=_("Hand the code over in person"),
        required=False,
        help_text=_(
            "Campus France cases: no email is sent; a letter with the code is shown to print "
            "once the file is saved."
        ),
    )

    issued: IssuedCode | None = None

    class Meta:
        model = TenantFile
        fields = ("start_date", "end_date", "academic_year")  # + student, unit: by the admin

    def call_service(self) -> TenantFile:
        data = self.cleaned_data
        self.issued = tenant_file_assign(
            by=self.request_user,
            student=data["student"],
            unit=data["unit"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            academic_year=data.get("academic_year"),
            hand_over=bool(data.get("hand_over")),
        )
        return self.issued.tenant_file
