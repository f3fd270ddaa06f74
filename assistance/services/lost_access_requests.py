"""The public lost-access form: the request, its emailed confirmation, the ticket it opens."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from assistance.models import LostAccessRequest, Ticket, TicketCategory
from assistance.services import opening
from crous_admin.errors import ApplicationError
from notifications.models import Channel
from notifications.services.queueing import message_queue
from residences.models import Crous
from tenants.ine import normalize_ine

CONFIRM_TEMPLATE = "assistance_lost_access_confirm"
CONFIRM_SALT = "assistance.lost-access"
CONFIRM_MAX_AGE = 2 * 24 * 3600  # the confirmation link works for two days
# The public form: per address and per contact email, in the shared cache.
LOST_ACCESS_PER_IP_PER_HOUR = 5
LOST_ACCESS_PER_EMAIL_PER_DAY = 3


@transaction.atomic
def lost_access_request_submit(
    *,
    crous: Crous,
    first_name: str,
    last_name: str,
    ine: str,
    residence: str,
    email: str,
    body: str,
    ip: str,
) -> LostAccessRequest:
    """Records the public lost-access form and emails a confirmation link to ``email``.

    Nothing reaches the queue before the link is followed: anybody can type anything here.
    Throttled per address and per contact email (429).
    """
    email = email.strip().lower()
    if opening.quota_count(f"assistance:lost-access:ip:{ip}", 3600) > LOST_ACCESS_PER_IP_PER_HOUR:
        raise ApplicationError(
            _("Too many requests from this connection: try again in an hour."),
            code="throttled",
            status=429,
            extra={"retry_after_seconds": 3600},
        )
    if (
        opening.quota_count(f"assistance:lost-access:email:{email}", 86400)
        > LOST_ACCESS_PER_EMAIL_PER_DAY
    ):
        raise ApplicationError(
            _(
                "Several requests were already sent for this address today: follow the link "
                "in the email we sent, or try again tomorrow."
            ),
            code="throttled",
            status=429,
            extra={"retry_after_seconds": 86400},
        )
    request = LostAccessRequest(
        crous=crous,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        ine=normalize_ine(ine),
        residence=residence.strip(),
        email=email,
        body=body.strip(),
    )
    request.full_clean()
    with scopes_disabled():
        request.save()
    token = signing.dumps({"r": request.pk}, salt=CONFIRM_SALT)
    message_queue(
        crous=crous,
        recipient=email,
        channel=Channel.EMAIL,
        template_key=CONFIRM_TEMPLATE,
        language="fr",
        idempotency_key=f"assistance-lost-access-confirm:{request.pk}",
        context={
            "first_name": request.first_name,
            "confirm_url": settings.SITE_URL
            + reverse("assistance_portal:lost_access_confirm", args=[token]),
        },
    )
    return request


@transaction.atomic
def lost_access_request_confirm(*, token: str) -> Ticket:
    """Turns a confirmed lost-access request into a ticket, once (following the link again
    returns the same ticket)."""
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise ApplicationError(
            _("This link has expired: fill in the form again."), code="link_expired", status=410
        ) from exc
    except signing.BadSignature as exc:
        raise ApplicationError(_("This link is not valid."), code="bad_link", status=404) from exc
    with scopes_disabled():
        request = (
            LostAccessRequest.objects.select_for_update(of=("self",))
            .select_related("crous")
            .filter(pk=data.get("r"))
            .first()
        )
        if request is None:
            raise ApplicationError(_("This link is not valid."), code="bad_link", status=404)
        if request.ticket_id is not None:
            return Ticket.objects.get(pk=request.ticket_id)
    body = "\n".join(
        line
        for line in (
            _("Name: %(name)s") % {"name": f"{request.first_name} {request.last_name}"},
            _("INE: %(ine)s") % {"ine": request.ine},
            _("Assigned residence: %(residence)s") % {"residence": request.residence},
            _("Contact email (confirmed): %(email)s") % {"email": request.email},
            "",
            request.body,
        )
    )
    ticket = opening.ticket_open(
        crous=request.crous,
        category=TicketCategory.LOST_ACCESS,
        subject=_("Lost access: %(name)s") % {"name": f"{request.first_name} {request.last_name}"},
        body=body,
        requester_email=request.email,
        requester_name=f"{request.first_name} {request.last_name}",
        ine=request.ine,
        residence_given=request.residence,
        idempotency_key=f"lost-access:{request.pk}",
    )
    request.confirmed_at = timezone.now()
    request.ticket = ticket
    with scopes_disabled():
        request.save(update_fields=["confirmed_at", "ticket"])
    return ticket
