"""Every back-office admin × view × persona, against explicit expectations.

The objects opened are Bordeaux objects (or, for models that belong to no Crous, plain rows).
Adding a ModelAdmin to the site without an entry in ``EXPECTED`` fails
``test_every_registered_admin_has_expectations``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

VIEWS = ("changelist", "add", "change", "history", "delete")
LOGIN = "login"  # redirected to the admin login page (anonymous, or not staff)
PERSONAS = ("bordeaux_officer", "versailles_agent", "national_admin", "linked_student", "anonymous")

#: (changelist, add, change, history, delete) for every persona but the two sent to login.
Row = tuple[int, int, int, int, int]
DENIED: Row = (403, 403, 403, 403, 403)


def _crous(bordeaux: Any) -> Any:
    return bordeaux


def _residence(bordeaux: Any) -> Any:
    from residences.tests.factories import ResidenceFactory

    return ResidenceFactory(crous=bordeaux)


def _unit(bordeaux: Any) -> Any:
    from residences.tests.factories import HousingUnitFactory

    return HousingUnitFactory(residence__crous=bordeaux)


def _membership(bordeaux: Any) -> Any:
    from crous_admin.accounts.roles import Role
    from residences.tests.factories import StaffMembershipFactory

    return StaffMembershipFactory(crous=bordeaux, role=Role.ASSISTANCE_AGENT)


def _user(bordeaux: Any) -> Any:
    from residences.tests.factories import UserFactory

    return UserFactory(email="someone@crous-bordeaux.example")


def _student(bordeaux: Any) -> Any:
    from tenants.tests.factories import StudentFactory

    return StudentFactory(crous=bordeaux)


def _tenant_file(bordeaux: Any) -> Any:
    from tenants.tests.factories import TenantFileFactory

    return TenantFileFactory(crous=bordeaux)


def _message(bordeaux: Any) -> Any:
    from notifications.tests.factories import MessageFactory

    return MessageFactory(crous=bordeaux)


def _heartbeat(bordeaux: Any) -> Any:
    from crous_admin.health.models import Heartbeat

    return Heartbeat.objects.create(name="celery", beat_at=timezone.now())


def _token(bordeaux: Any) -> Any:
    from rest_framework.authtoken.models import Token, TokenProxy

    return TokenProxy.objects.get(pk=Token.objects.create(user=_user(bordeaux)).pk)


def _interval(bordeaux: Any) -> Any:
    from django_celery_beat.models import IntervalSchedule

    return IntervalSchedule.objects.create(every=1, period=IntervalSchedule.MINUTES)


def _crontab(bordeaux: Any) -> Any:
    from django_celery_beat.models import CrontabSchedule

    return CrontabSchedule.objects.create(minute="0", hour="3")


def _solar(bordeaux: Any) -> Any:
    from django_celery_beat.models import SolarSchedule

    return SolarSchedule.objects.create(event="sunrise", latitude=44.84, longitude=-0.58)


def _clocked(bordeaux: Any) -> Any:
    from django_celery_beat.models import ClockedSchedule

    return ClockedSchedule.objects.create(clocked_time=timezone.now() + timedelta(days=1))


def _periodic_task(bordeaux: Any) -> Any:
    from django_celery_beat.models import PeriodicTask

    return PeriodicTask.objects.create(
        name="heartbeat",
        task="crous_admin.health.tasks.record_heartbeat",
        interval=_interval(bordeaux),
    )


def _agreement_template(bordeaux: Any) -> Any:
    from tenancy.models import AgreementTemplate

    return AgreementTemplate.objects.create(crous=bordeaux)


def _agreement(bordeaux: Any) -> Any:
    from tenancy.agreements import agreement_prepare

    return agreement_prepare(tenant_file=_tenant_file(bordeaux))


def _document(bordeaux: Any) -> Any:
    return _agreement(bordeaux).document


def _ledger_entry(bordeaux: Any) -> Any:
    from datetime import date

    from tenancy.ledger import ledger_bring_up_to_date

    tenant_file = _tenant_file(bordeaux)
    ledger_bring_up_to_date(tenant_file=tenant_file, on=date(2026, 9, 15))
    return tenant_file.ledger_entries.get()


def _online_payment(bordeaux: Any) -> Any:
    from tenancy.models import OnlinePayment

    tenant_file = _tenant_file(bordeaux)
    return OnlinePayment.objects.create(
        crous=bordeaux,
        tenant_file=tenant_file,
        gateway="fake",
        provider_reference="fake_1",
        amount="10.00",
    )


def _staff_invitation(bordeaux: Any) -> Any:
    from crous_admin.accounts.roles import Role
    from residences.staff_invitations.models import StaffInvitation

    return StaffInvitation.objects.create(
        email="someone@crous-bordeaux.example",
        crous=bordeaux,
        role=Role.ASSISTANCE_AGENT,
        user=_user(bordeaux),
    )


def _email_address(bordeaux: Any) -> Any:
    from allauth.account.models import EmailAddress

    user = _user(bordeaux)
    return EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)


def _authenticator(bordeaux: Any) -> Any:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.create(
        user=_user(bordeaux), type=Authenticator.Type.TOTP, data={"secret": "x"}
    )


def _social_account(bordeaux: Any) -> Any:
    from allauth.socialaccount.models import SocialAccount

    return SocialAccount.objects.create(user=_user(bordeaux), provider="franceconnect", uid="s")


# The tenant space's read-only records: every role reads them in its Crous, nobody edits.
_TENANT_SPACE_RECORD = {
    "bordeaux_officer": (200, 403, 200, 200, 403),
    "versailles_agent": (200, 403, 404, 404, 404),
    "national_admin": (200, 403, 200, 200, 403),
}


def _ticket(bordeaux: Any) -> Any:
    from assistance.tests.factories import TicketFactory

    return TicketFactory(crous=bordeaux)


def _canned_reply(bordeaux: Any) -> Any:
    from assistance.tests.factories import CannedReplyFactory

    return CannedReplyFactory(crous=bordeaux)


def _renewal_window(bordeaux: Any) -> Any:
    from renewals.tests.factories import RenewalWindowFactory

    return RenewalWindowFactory(crous=bordeaux)


def _renewal_request(bordeaux: Any) -> Any:
    from renewals.models import RenewalRequest, RequestStatus
    from tenants.tests.factories import TenantFileFactory

    return RenewalRequest.objects.create(
        crous=bordeaux,
        window=_renewal_window(bordeaux),
        tenant_file=TenantFileFactory(crous=bordeaux),
        status=RequestStatus.SUBMITTED,
        submitted_at=timezone.now(),
    )


# model label -> (object factory, {persona: expected statuses})
# The Versailles agent opening a Bordeaux object gets the 404 of a missing id, before any
# permission check; rows that belong to no Crous answer by permission only.
EXPECTED: dict[str, tuple[Callable[[Any], Any], dict[str, Row]]] = {
    "residences.Crous": (
        _crous,
        {
            "bordeaux_officer": (200, 403, 200, 200, 403),
            "versailles_agent": (200, 403, 404, 404, 404),
            "national_admin": (200, 200, 200, 200, 403),
        },
    ),
    "residences.Residence": (
        _residence,
        {
            "bordeaux_officer": (200, 200, 200, 200, 403),
            "versailles_agent": (200, 403, 404, 404, 404),
            "national_admin": (200, 200, 200, 200, 200),
        },
    ),
    "residences.HousingUnit": (
        _unit,
        {
            "bordeaux_officer": (200, 200, 200, 200, 403),
            "versailles_agent": (200, 403, 404, 404, 404),
            "national_admin": (200, 200, 200, 200, 200),
        },
    ),
    "residences.StaffMembership": (
        _membership,
        {
            "bordeaux_officer": DENIED,
            "versailles_agent": (403, 403, 404, 404, 404),
            "national_admin": (200, 200, 200, 200, 200),
        },
    ),
    "accounts.User": (
        _user,
        {
            "bordeaux_officer": DENIED,
            "versailles_agent": DENIED,
            "national_admin": (200, 200, 200, 200, 403),
        },
    ),
    "tenants.Student": (
        _student,
        {
            "bordeaux_officer": (200, 200, 200, 200, 403),
            "versailles_agent": (200, 403, 404, 404, 404),
            "national_admin": (200, 200, 200, 200, 403),
        },
    ),
    "tenants.TenantFile": (
        _tenant_file,
        {
            "bordeaux_officer": (200, 200, 200, 200, 403),
            "versailles_agent": (200, 403, 404, 404, 404),
            "national_admin": (200, 200, 200, 200, 403),
        },
    ),
    # The outbox is read-only; "change" is the Crous administrator's retry action on the list.
    "notifications.Message": (
        _message,
        {
            "bordeaux_officer": (200, 403, 200, 200, 403),
            "versailles_agent": (200, 403, 404, 404, 404),
            "national_admin": (200, 403, 200, 200, 403),
        },
    ),
    # Officers and administrators edit their Crous' agreement texts; agents read them.
    "tenancy.AgreementTemplate": (
        _agreement_template,
        {
            "bordeaux_officer": (200, 200, 200, 200, 403),
            "versailles_agent": (200, 403, 404, 404, 404),
            "national_admin": (200, 200, 200, 200, 403),
        },
    ),
    "tenancy.OccupancyAgreement": (_agreement, _TENANT_SPACE_RECORD),
    "tenancy.VerifiableDocument": (_document, _TENANT_SPACE_RECORD),
    "tenancy.OnlinePayment": (_online_payment, _TENANT_SPACE_RECORD),
    # "Add" records a payment made by other means; entries are never edited nor deleted.
    "tenancy.LedgerEntry": (
        _ledger_entry,
        {
            "bordeaux_officer": (200, 200, 200, 200, 403),
            "versailles_agent": (200, 403, 404, 404, 404),
            "national_admin": (200, 200, 200, 200, 403),
        },
    ),
    # Tickets are written by students and services, never added or deleted here; the
    # housing officer reads them, agents work them in their own Crous.
    "assistance.Ticket": (
        _ticket,
        {
            "bordeaux_officer": (200, 403, 200, 200, 403),
            "versailles_agent": (200, 403, 404, 404, 404),
            "national_admin": (200, 403, 200, 200, 403),
        },
    ),
    # Canned replies are kept by Crous administrators; everybody else reads them.
    "assistance.CannedReply": (
        _canned_reply,
        {
            "bordeaux_officer": (200, 403, 200, 200, 403),
            "versailles_agent": (200, 403, 404, 404, 404),
            "national_admin": (200, 200, 200, 200, 200),
        },
    ),
    # Windows: staff of the Crous set them (no delete: requests hang on them).
    "renewals.RenewalWindow": (
        _renewal_window,
        {
            "bordeaux_officer": (200, 200, 200, 200, 403),
            "versailles_agent": (200, 403, 404, 404, 404),
            "national_admin": (200, 200, 200, 200, 403),
        },
    ),
    # Requests: students make them; staff read and decide ("change"); never deleted.
    "renewals.RenewalRequest": (
        _renewal_request,
        {
            "bordeaux_officer": (200, 403, 200, 200, 403),
            "versailles_agent": (200, 403, 404, 404, 404),
            "national_admin": (200, 403, 200, 200, 403),
        },
    ),
    # Invitations are records: Crous administrators and national staff add them (the
    # service checks the Crous and the role), nobody edits or deletes them.
    "residences.StaffInvitation": (
        _staff_invitation,
        {
            "bordeaux_officer": DENIED,
            "versailles_agent": (403, 403, 404, 404, 404),
            "national_admin": (200, 200, 200, 200, 403),
        },
    ),
    # Superusers only, for everything below.
    "account.EmailAddress": (
        _email_address,
        {"bordeaux_officer": DENIED, "versailles_agent": DENIED, "national_admin": DENIED},
    ),
    "mfa.Authenticator": (
        _authenticator,
        {"bordeaux_officer": DENIED, "versailles_agent": DENIED, "national_admin": DENIED},
    ),
    "socialaccount.SocialAccount": (
        _social_account,
        {"bordeaux_officer": DENIED, "versailles_agent": DENIED, "national_admin": DENIED},
    ),
    "health.Heartbeat": (
        _heartbeat,
        {"bordeaux_officer": DENIED, "versailles_agent": DENIED, "national_admin": DENIED},
    ),
    "authtoken.TokenProxy": (
        _token,
        {"bordeaux_officer": DENIED, "versailles_agent": DENIED, "national_admin": DENIED},
    ),
    "django_celery_beat.PeriodicTask": (
        _periodic_task,
        {"bordeaux_officer": DENIED, "versailles_agent": DENIED, "national_admin": DENIED},
    ),
    "django_celery_beat.IntervalSchedule": (
        _interval,
        {"bordeaux_officer": DENIED, "versailles_agent": DENIED, "national_admin": DENIED},
    ),
    "django_celery_beat.CrontabSchedule": (
        _crontab,
        {"bordeaux_officer": DENIED, "versailles_agent": DENIED, "national_admin": DENIED},
    ),
    "django_celery_beat.SolarSchedule": (
        _solar,
        {"bordeaux_officer": DENIED, "versailles_agent": DENIED, "national_admin": DENIED},
    ),
    "django_celery_beat.ClockedSchedule": (
        _clocked,
        {"bordeaux_officer": DENIED, "versailles_agent": DENIED, "national_admin": DENIED},
    ),
}


def test_every_registered_admin_has_expectations():
    registered = {model._meta.label for model in admin.site._registry}

    missing = registered - EXPECTED.keys()
    stale = EXPECTED.keys() - registered
    assert not missing, (
        f"Add {sorted(missing)} to EXPECTED in {__name__}: say what each persona may do there."
    )
    assert not stale, f"{sorted(stale)} are no longer registered: remove them from EXPECTED."


def _url(model: Any, view: str, obj: Any) -> str:
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}"
    return reverse(name) if view in ("changelist", "add") else reverse(name, args=[obj.pk])


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("label", sorted(EXPECTED))
def test_admin_permission_matrix(request, client, bordeaux, label, persona):
    make, expectations = EXPECTED[label]
    model = next(m for m in admin.site._registry if m._meta.label == label)
    obj = make(bordeaux)
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))

    answered = {view: client.get(_url(model, view, obj)) for view in VIEWS}

    if persona in ("anonymous", "linked_student"):
        login = reverse("admin:login")
        assert {
            view: (r.status_code, r.url.split("?")[0] if r.status_code == 302 else None)
            for view, r in answered.items()
        } == dict.fromkeys(VIEWS, (302, login))
    else:
        assert {view: r.status_code for view, r in answered.items()} == dict(
            zip(VIEWS, expectations[persona], strict=True)
        )
