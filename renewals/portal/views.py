"""Student page "Renewal request" of one tenant file (housing section)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from crous_admin.errors import ApplicationError
from renewals.eligibility import eligibility_check
from renewals.models import RenewalRequest, RequestSource, RequestStatus
from renewals.portal.forms import RenewalRequestForm
from renewals.selectors import window_for_file
from renewals.services.reminders import reminder_preference_set, sms_opt_in_of
from renewals.services.submission import renewal_request_submit
from tenants.models import TenantFileStatus
from tenants.selectors import tenant_files_of_student


@login_required
@require_http_methods(["GET", "POST"])
def renewal(request: HttpRequest, tenant_file_id: int) -> HttpResponse:
    """The file as it stands (pre-filled), the window, the eligibility check, the request
    if there is one, and the "Renewal request" button inside the window for an active,
    linked file. Submitting twice (double click, two tabs) gives the same request."""
    tenant_file = (
        tenant_files_of_student(user=request.user)
        .select_related("student")
        .filter(pk=tenant_file_id)
        .first()
    )
    if tenant_file is None:
        raise Http404
    now = timezone.now()
    window = window_for_file(tenant_file, now=now)
    student = tenant_file.student
    renewal = (
        RenewalRequest.objects.filter(window=window, tenant_file=tenant_file)
        .select_related("email_message", "sms_message")
        .first()
        if window
        else None
    )
    initial = {
        "contact_email": student.email,
        "contact_phone": str(student.mobile_phone or ""),
        "sms_reminders": sms_opt_in_of(student),
    }
    form = RenewalRequestForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            submission = renewal_request_submit(
                tenant_file=tenant_file,
                by=request.user,
                contact_email=form.cleaned_data["contact_email"],
                contact_phone=form.cleaned_data["contact_phone"],
                source=RequestSource.PORTAL,
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            reminder_preference_set(
                student=student, sms_opt_in=form.cleaned_data["sms_reminders"], by=request.user
            )
            status = submission.request.status
            if status == RequestStatus.BLOCKED:
                messages.error(
                    request,
                    _(
                        "Your request is recorded but blocked: see below what to do, then "
                        "ask again."
                    ),
                )
            elif submission.created:
                messages.success(
                    request,
                    _(
                        "Your renewal request is sent. A confirmation is on its way by email "
                        "and SMS (within %(hours)s hours)."
                    )
                    % {"hours": submission.request.window.promise_hours},
                )
            else:
                messages.info(request, _("Your renewal request had already been sent."))
            return redirect("renewals_portal:renewal", tenant_file_id=tenant_file.pk)
    check = eligibility_check(tenant_file=tenant_file, window=window, now=now)
    can_ask = (
        window is not None
        and window.is_open(now)
        and tenant_file.status == TenantFileStatus.ACTIVE
        and (renewal is None or renewal.status == RequestStatus.BLOCKED)
    )
    return render(
        request,
        "renewals/portal/renewal.html",
        {
            "title": _("Renewal request"),
            "tenant_file": tenant_file,
            "window": window,
            "window_state": window.state(now) if window else None,
            "check": check,
            "renewal": renewal,
            "form": form,
            "can_ask": can_ask,
        },
    )
