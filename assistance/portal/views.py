"""Student pages of Assistance: my requests, writing one, a thread, the lost-access form.

Views parse the form, call one service and render; a service's refusal is shown on the form.
A ticket of another account is the 404 of a missing one.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_scopes import scopes_disabled

from assistance import selectors
from assistance.models import AWAITING_STAFF, Attachment, Ticket, TicketCategory
from assistance.portal.forms import LostAccessForm, ReplyForm, TicketForm
from assistance.services import lost_access_requests, opening, threads
from crous_admin.api.permissions import user_has_perms_in_crous
from crous_admin.client_ip import client_ip
from crous_admin.errors import ApplicationError


def _form_error(form: Any, exc: ApplicationError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@login_required
def ticket_list(request: HttpRequest) -> HttpResponse:
    tickets = list(selectors.tickets_of_student(user=request.user)[:100])
    return render(
        request,
        "assistance/portal/ticket_list.html",
        {"tickets": tickets, "title": _("My requests to Assistance")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def ticket_new(request: HttpRequest) -> HttpResponse:
    known, every = selectors.crous_for_student(user=request.user)
    choices = known + [c for c in every if c not in known]
    initial: dict[str, Any] = {}
    if request.GET.get("category") in TicketCategory.values:
        initial["category"] = request.GET["category"]
    if len(known) == 1:
        initial["crous"] = known[0].pk
    form = TicketForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        crous_choices=choices,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            opening.student_ticket_quota_check(user=request.user)
            ticket = opening.ticket_open(
                crous=data["crous"],
                category=data["category"],
                subject=data["subject"],
                body=data["body"],
                requester=request.user,
                uploads=data["attachments"],
            )
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request, _("Your request #%(id)s was sent to your Crous.") % {"id": ticket.pk}
            )
            return redirect("assistance_portal:ticket", pk=ticket.pk)
    return render(
        request,
        "assistance/portal/ticket_new.html",
        {"form": form, "title": _("Write to my Crous")},
    )


def _thread_page(
    request: HttpRequest, ticket: Ticket, *, post_url: str, title: str
) -> HttpResponse:
    form = ReplyForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            threads.ticket_student_reply(
                ticket=ticket,
                user=request.user if request.user.is_authenticated else None,
                body=form.cleaned_data["body"],
                uploads=form.cleaned_data["attachments"],
            )
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Your answer was sent."))
            return redirect(post_url)
    estimate = None
    if ticket.status in AWAITING_STAFF:
        estimate = selectors.expected_answer(crous=ticket.crous, category=ticket.category)
    return render(
        request,
        "assistance/portal/ticket_detail.html",
        {
            "ticket": ticket,
            "thread": selectors.thread_of(ticket, include_internal=False),
            "estimate": estimate,
            "form": form,
            "post_url": post_url,
            "title": title,
            "closed": ticket.status == "closed",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = selectors.ticket_of_student(user=request.user, pk=pk)
    if ticket is None:
        raise Http404
    return _thread_page(
        request,
        ticket,
        post_url=request.path,
        title=_("Request #%(id)s") % {"id": ticket.pk},
    )


@require_http_methods(["GET", "POST"])
def thread(request: HttpRequest, token: str) -> HttpResponse:
    """The thread of someone who wrote without an account, through the signed link of the
    emails (lost access)."""
    try:
        ticket = threads.ticket_from_thread_token(token)
    except ApplicationError as exc:
        raise Http404 from exc
    return _thread_page(
        request, ticket, post_url=request.path, title=_("Request #%(id)s") % {"id": ticket.pk}
    )


@require_http_methods(["GET", "POST"])
def lost_access(request: HttpRequest) -> HttpResponse:
    form = LostAccessForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            lost_access_requests.lost_access_request_submit(
                crous=data["crous"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                ine=data["ine"],
                residence=data["residence"],
                email=data["email"],
                body=data["body"],
                ip=client_ip(request),
            )
        except ApplicationError as exc:
            _form_error(form, exc)
            status = exc.status
        else:
            return render(
                request,
                "assistance/portal/lost_access_sent.html",
                {"email": data["email"], "title": _("Check your mailbox")},
            )
    return render(
        request,
        "assistance/portal/lost_access.html",
        {"form": form, "title": _("I lost access to my account")},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def lost_access_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button; the POST confirms. Mail providers' link scanners follow every link
    of an email (GET), and must not send the request to the Crous on the student's behalf."""
    if request.method == "GET":
        return render(
            request,
            "assistance/portal/lost_access_confirm.html",
            {"title": _("Confirm my request")},
        )
    try:
        ticket = lost_access_requests.lost_access_request_confirm(token=token)
    except ApplicationError as exc:
        return render(
            request,
            "assistance/portal/lost_access_confirmed.html",
            {"error": exc.message, "title": _("I lost access to my account")},
            status=exc.status,
        )
    return render(
        request,
        "assistance/portal/lost_access_confirmed.html",
        {
            "ticket": ticket,
            "thread_url": threads.thread_url(ticket),
            "title": _("Request confirmed"),
        },
    )


def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    """An attachment, to the ticket's requester (not an internal note's) or to staff who may
    view the ticket in its Crous; anybody else gets the 404 of a missing file."""
    with scopes_disabled():
        attachment = Attachment.objects.select_related("message__ticket").filter(pk=pk).first()
    if attachment is None or not request.user.is_authenticated:
        raise Http404
    ticket = attachment.message.ticket
    is_requester = ticket.requester_id == request.user.pk and not attachment.message.is_internal
    is_staff = user_has_perms_in_crous(request.user, ["assistance.view_ticket"], ticket.crous_id)
    if not (is_requester or is_staff):
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise PermissionDenied from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
