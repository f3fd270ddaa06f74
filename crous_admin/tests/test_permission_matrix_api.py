"""Who may call what on the REST API: every route, every method, every persona.

The routes are discovered from the URL configuration, so a new endpoint cannot ship without
saying here who may use it. Each cell is played against rows of the Crous of Bordeaux:

* the public catalogue (Crous, residences, units) is readable by anybody, except that staff
  see only their own Crous (a Versailles agent gets a 404 on a Bordeaux residence);
* roles give verbs: permissions are checked before rows are looked up, so a role without the
  verb gets a 403 even on a row it could not see;
* staff endpoints refuse students (403) and anonymous callers (401, asking for a token).

HEAD mirrors GET and OPTIONS only describes an endpoint; neither is listed.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from assistance.tests.factories import TicketFactory
from crous_admin.api.views import CrousScopedAPIMixin
from notifications.tests.factories import MessageFactory
from residences.tests.factories import HousingUnitFactory, ResidenceFactory, UserFactory
from tenancy.agreements import agreement_prepare
from tenancy.certificates import certificate_issue
from tenants.codes import code_hmac
from tenants.ine import bea_ine
from tenants.models import TenantFileStatus
from tenants.tests.factories import StudentFactory, TenantFileFactory

PERSONAS = ("bordeaux_officer", "versailles_agent", "national_admin", "student", "anonymous")


def row(officer: int, agent: int, national: int, student: int, anonymous: int) -> dict[str, int]:
    return dict(zip(PERSONAS, (officer, agent, national, student, anonymous), strict=True))


PUBLIC_READ_LIST = row(200, 200, 200, 200, 200)
PUBLIC_READ_BORDEAUX = row(200, 404, 200, 200, 200)  # staff see their own Crous only
STAFF_WRITE_CREATE = row(201, 403, 201, 403, 401)  # the agent's role reads only
STAFF_WRITE_UPDATE = row(200, 403, 200, 403, 401)
STAFF_READ_LIST = row(200, 200, 200, 403, 401)  # the agent lists Versailles rows: none here
STAFF_READ_BORDEAUX = row(200, 404, 200, 403, 401)
NOWHERE = row(404, 404, 404, 404, 404)
OWN_FILE = row(404, 404, 404, 200, 401)  # rows by account: staff have no file of theirs
TENANT_CODE = "MTRX-2345-AB"  # the code of the current Bordeaux file (bordeaux_rows)
# Routes whose URL takes no id although their name does not end in "-list".
NO_ARGUMENT_ROUTES = {
    "me-tenantcode-redeem",
    "renewalrequest-bulk-decide",
    "me-renewaleligibility",
}

MATRIX: dict[tuple[str, str], dict[str, int]] = {
    ("api:crous-list", "GET"): PUBLIC_READ_LIST,
    ("api:crous-list", "POST"): row(403, 403, 201, 403, 401),  # national only (add_crous)
    ("api:crous-detail", "GET"): PUBLIC_READ_BORDEAUX,
    ("api:crous-detail", "PUT"): row(403, 403, 200, 403, 401),  # change_crous: Crous admins
    ("api:crous-detail", "PATCH"): row(403, 403, 200, 403, 401),
    ("api:residence-list", "GET"): PUBLIC_READ_LIST,
    ("api:residence-list", "POST"): STAFF_WRITE_CREATE,
    ("api:residence-detail", "GET"): PUBLIC_READ_BORDEAUX,
    ("api:residence-detail", "PUT"): STAFF_WRITE_UPDATE,
    ("api:residence-detail", "PATCH"): STAFF_WRITE_UPDATE,
    ("api:housingunit-list", "GET"): PUBLIC_READ_LIST,
    ("api:housingunit-list", "POST"): STAFF_WRITE_CREATE,
    ("api:housingunit-detail", "GET"): PUBLIC_READ_BORDEAUX,
    ("api:housingunit-detail", "PUT"): STAFF_WRITE_UPDATE,
    ("api:housingunit-detail", "PATCH"): STAFF_WRITE_UPDATE,
    ("api:student-list", "GET"): STAFF_READ_LIST,
    ("api:student-list", "POST"): STAFF_WRITE_CREATE,
    ("api:student-detail", "GET"): STAFF_READ_BORDEAUX,
    ("api:student-detail", "PUT"): STAFF_WRITE_UPDATE,
    ("api:student-detail", "PATCH"): STAFF_WRITE_UPDATE,
    ("api:tenantfile-list", "GET"): STAFF_READ_LIST,
    ("api:tenantfile-list", "POST"): STAFF_WRITE_CREATE,
    ("api:tenantfile-detail", "GET"): STAFF_READ_BORDEAUX,
    ("api:tenantfile-end", "POST"): STAFF_WRITE_UPDATE,  # needs change_tenantfile
    ("api:tenantfile-resend-code", "POST"): STAFF_WRITE_UPDATE,
    ("api:tenantfile-hand-over-code", "POST"): STAFF_WRITE_UPDATE,
    ("api:tenantfile-unlink", "POST"): STAFF_WRITE_UPDATE,
    ("api:tenantfile-relink", "POST"): STAFF_WRITE_UPDATE,
    ("api:tenantfile-change-unit", "POST"): STAFF_WRITE_UPDATE,
    # Bordeaux to Versailles: rights in both Crous; the officer holds a role in Bordeaux only.
    ("api:tenantfile-transfer", "POST"): row(403, 403, 201, 403, 401),
    ("api:message-list", "GET"): STAFF_READ_LIST,
    ("api:message-detail", "GET"): STAFF_READ_BORDEAUX,
    # The caller's own side: any account, whatever its role; rows by account, not by Crous.
    ("api:me-tenantcode-redeem", "POST"): row(200, 200, 200, 200, 401),  # links the caller
    ("api:me-tenantfile-list", "GET"): row(200, 200, 200, 200, 401),
    ("api:me-tenantfile-detail", "GET"): row(404, 404, 404, 200, 401),  # the student's file
    # The tenant space, the caller's own file (404 for an account it is not linked to).
    ("api:me-tenantspace-agreement", "GET"): OWN_FILE,
    ("api:me-tenantspace-sign", "POST"): OWN_FILE,
    ("api:me-tenantspace-ledger", "GET"): OWN_FILE,
    ("api:me-tenantspace-receipts", "GET"): OWN_FILE,
    ("api:me-tenantspace-certificate", "POST"): OWN_FILE,
    ("api:me-tenantspace-pay", "POST"): OWN_FILE,  # rent is owed since September
    ("api:me-document-list", "GET"): row(200, 200, 200, 200, 401),
    ("api:me-document-detail", "GET"): OWN_FILE,
    ("api:me-document-pdf", "GET"): OWN_FILE,
    # Staff: ledgers ("view" ledger entry), payments by other means ("add" ledger entry).
    ("api:ledger-detail", "GET"): STAFF_READ_BORDEAUX,
    ("api:ledger-payments", "POST"): STAFF_WRITE_CREATE,
    ("api:arrears-list", "GET"): STAFF_READ_LIST,
    # Assistance: housing officers read the queue; agents work it in their own Crous (the
    # Versailles agent passes the verb check, then a Bordeaux ticket is a 404).
    ("api:ticket-list", "GET"): STAFF_READ_LIST,
    ("api:ticket-detail", "GET"): STAFF_READ_BORDEAUX,
    ("api:ticket-claim", "POST"): row(403, 404, 200, 403, 401),
    ("api:ticket-assign", "POST"): row(403, 404, 200, 403, 401),
    ("api:ticket-set-status", "POST"): row(403, 404, 200, 403, 401),
    ("api:ticket-reply", "POST"): row(403, 404, 200, 403, 401),
    ("api:ticket-note", "POST"): row(403, 404, 200, 403, 401),
    ("api:ticket-move", "POST"): row(403, 404, 200, 403, 401),
    ("api:ticket-verify-identity", "POST"): row(403, 404, 200, 403, 401),
    ("api:ticket-resend-code", "POST"): row(403, 404, 200, 403, 401),
    # Linking an account needs a verified identity first: 409 until "verify-identity" ran.
    ("api:ticket-relink", "POST"): row(403, 404, 409, 403, 401),
    ("api:ticket-transfer", "POST"): row(403, 404, 200, 403, 401),
    # A student's own requests: any account; another account's request is a 404.
    ("api:me-ticket-list", "GET"): row(200, 200, 200, 200, 401),
    ("api:me-ticket-list", "POST"): row(201, 201, 201, 201, 401),
    ("api:me-ticket-detail", "GET"): row(404, 404, 404, 200, 401),
    ("api:me-ticket-reply", "POST"): row(404, 404, 404, 200, 401),
    # Renewal windows: read by everyone concerned (the student's Crous), written by its staff.
    ("api:renewalwindow-list", "GET"): row(200, 200, 200, 200, 401),
    ("api:renewalwindow-list", "POST"): STAFF_WRITE_CREATE,
    ("api:renewalwindow-detail", "GET"): row(200, 404, 200, 200, 401),
    ("api:renewalwindow-detail", "PUT"): STAFF_WRITE_UPDATE,
    ("api:renewalwindow-detail", "PATCH"): STAFF_WRITE_UPDATE,
    # Renewal requests, staff side: deciding needs change_renewalrequest (not the agent's).
    ("api:renewalrequest-list", "GET"): STAFF_READ_LIST,
    ("api:renewalrequest-detail", "GET"): STAFF_READ_BORDEAUX,
    ("api:renewalrequest-decide", "POST"): STAFF_WRITE_UPDATE,
    ("api:renewalrequest-bulk-decide", "POST"): STAFF_WRITE_UPDATE,
    # The student's side: staff have no linked file (404); the student's retry is a 200.
    ("api:me-renewalrequest-list", "GET"): row(200, 200, 200, 200, 401),
    ("api:me-renewalrequest-list", "POST"): row(404, 404, 404, 200, 401),
    ("api:me-renewalrequest-detail", "GET"): row(404, 404, 404, 200, 401),
    ("api:me-renewaleligibility", "GET"): row(200, 200, 200, 200, 401),
    # Any other path under /api/v1/: a 404 in the API's error format, for everybody.
    ("api:not-found", "GET"): NOWHERE,
    ("api:not-found", "POST"): NOWHERE,
    ("api:not-found", "PUT"): NOWHERE,
    ("api:not-found", "PATCH"): NOWHERE,
    ("api:not-found", "DELETE"): NOWHERE,
}


# The row each tenant-file action opens (its route name is also its payload's name).
TENANT_FILE_ACTIONS = {
    "tenantfile-resend-code": "tenantfile",
    "tenantfile-hand-over-code": "tenantfile",
    "tenantfile-unlink": "me-tenantfile",  # the one linked file among the rows
    "tenantfile-relink": "tenantfile",
    "tenantfile-change-unit": "tenantfile",
    "tenantfile-transfer": "tenantfile",
    # Assistance: every ticket action opens the Bordeaux ticket.
    **{
        f"ticket-{name}": "ticket"
        for name in (
            "claim",
            "assign",
            "set-status",
            "reply",
            "note",
            "move",
            "verify-identity",
            "resend-code",
            "relink",
            "transfer",
        )
    },
}


# --- Discovering the routes ---------------------------------------------------------------


def _api_patterns() -> list[tuple[str, Any]]:
    """(``namespace:name``, view callback) of every URL pattern under ``/api/v1/``."""
    found: list[tuple[str, Any]] = []

    def walk(patterns: list[Any], prefix: str, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern) and prefix.startswith("api/v1/"):
                found.append((f"{namespace}:{pattern.name}", pattern.callback))

    walk(get_resolver().url_patterns, "", "")
    return found


def _methods(callback: Any) -> set[str]:
    actions = getattr(callback, "actions", None)  # a viewset route: {method: action}
    if actions:
        methods = set(actions)
    else:
        view_class = callback.cls
        methods = {m for m in view_class.http_method_names if hasattr(view_class, m)}
    return {method.upper() for method in methods - {"head", "options"}}


def _discovered() -> set[tuple[str, str]]:
    return {(name, method) for name, callback in _api_patterns() for method in _methods(callback)}


def test_every_api_route_and_method_has_a_row_in_the_matrix():
    discovered = _discovered()

    missing = sorted(discovered - MATRIX.keys())
    stale = sorted(MATRIX.keys() - discovered)
    assert not missing, (
        f"New API routes {missing}: add them to MATRIX in {__name__} with the status each "
        "persona must get (and a row or payload in bordeaux_rows/_payload if it needs one)."
    )
    assert not stale, f"MATRIX lists routes that no longer exist: {stale}"


def test_every_api_view_opens_the_callers_crous_scope():
    unscoped = sorted(
        name
        for name, callback in _api_patterns()
        if not issubclass(callback.cls, CrousScopedAPIMixin)
    )

    assert not unscoped, f"These API views must derive from CrousScopedAPIMixin: {unscoped}"


# --- Playing each cell --------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Personas are created for every cell: hashing their passwords for real is the slow part.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def bordeaux_rows(bordeaux, versailles, linked_student_file):
    """A Bordeaux row for every endpoint, and what it takes to create and update them."""
    residence = ResidenceFactory(crous=bordeaux, code="pessac-3", postal_code="33600")
    current_file = TenantFileFactory(
        crous=bordeaux, unit__residence=residence, code_hmac=code_hmac(TENANT_CODE)
    )
    return {
        "crous": bordeaux,
        "residence": residence,
        "housingunit": HousingUnitFactory(residence=residence, number="B12"),
        "free_unit": HousingUnitFactory(residence=residence, number="B13"),
        "student": StudentFactory(crous=bordeaux),
        "tenantfile": current_file,
        "message": MessageFactory(crous=bordeaux),
        "me-tenantfile": linked_student_file,
        "account": UserFactory(email="new.account@etu.example"),
        "versailles_free_unit": HousingUnitFactory(residence__crous=versailles),
        # The tenant space: the linked file with its agreement to sign and a document.
        "me-tenantspace": linked_student_file,
        "agreement": agreement_prepare(tenant_file=linked_student_file),
        "me-document": certificate_issue(tenant_file=linked_student_file),
        "ledger": current_file,
        "ticket": TicketFactory(
            crous=bordeaux, tenant_file=current_file, requester_ine=current_file.student.ine
        ),
        "me-ticket": TicketFactory(
            crous=bordeaux, requester=linked_student_file.linked_user, tenant_file=None
        ),
        **_renewal_rows(bordeaux, linked_student_file),
    }


def _renewal_rows(bordeaux: Any, linked_file: Any) -> dict[str, Any]:
    """A Bordeaux window open today and the linked student's request in it."""
    from datetime import timedelta

    from django.utils import timezone

    from renewals.services import renewal_request_submit
    from renewals.tests.factories import RenewalWindowFactory

    today = timezone.localdate()
    window = RenewalWindowFactory(
        crous=bordeaux,
        academic_year=linked_file.academic_year + 1,
        opens_on=today - timedelta(days=1),
        closes_on=today + timedelta(days=30),
    )
    renewal = renewal_request_submit(tenant_file=linked_file, by=linked_file.linked_user).request
    return {"renewalwindow": window, "renewalrequest": renewal, "me-renewalrequest": renewal}


def _payload(basename: str, method: str, rows: dict[str, Any]) -> dict[str, Any]:
    bordeaux = rows["crous"]
    if basename == "crous":
        if method == "POST":
            return {
                "code": "corse",
                "name": "Crous de Corse",
                "contact_email": "contact@crous-corse.example",
                "sms_sender_name": "CROUS",
            }
        return {
            "code": bordeaux.code,
            "name": bordeaux.name,
            "contact_email": bordeaux.contact_email,
            "sms_sender_name": bordeaux.sms_sender_name,
            "code_block_hours": 4,
        }
    if basename == "residence":
        return {
            "crous": bordeaux.pk,
            "code": "new-1" if method == "POST" else rows["residence"].code,
            "name": "Résidence Talence",
            "address": "1 avenue de l'Université",
            "postal_code": "33400",
            "city": "Talence",
        }
    if basename == "housingunit":
        return {
            "residence": rows["residence"].pk,
            "number": "N1" if method == "POST" else rows["housingunit"].number,
            "unit_type": "t1",
            "surface_m2": "18.0",
            "monthly_rent": "405.00",
        }
    if basename == "student":
        return {
            "crous": bordeaux.pk,
            "ine": bea_ine(9_876_543_210) if method == "POST" else rows["student"].ine,
            "first_name": "Jade",
            "last_name": "Lefèvre",
            "email": "jade.lefevre@etu.example",
        }
    if basename == "me-tenantspace":  # signing; paying reads no body
        student = rows["me-tenantspace"].student
        return {
            "consent": True,
            "typed_name": f"{student.first_name} {student.last_name}",
            "document_sha256": rows["agreement"].document_sha256,
        }
    if basename == "ledger":
        return {"amount": "120.00", "method": "cheque", "booked_on": "2026-10-05"}
    if basename.startswith("ticket-") or basename == "me-ticket":
        return _assistance_payload(basename, rows)
    if basename == "renewalwindow":
        window = rows["renewalwindow"]
        return {
            "crous": bordeaux.pk,
            "academic_year": window.academic_year + (1 if method == "POST" else 0),
            "opens_on": window.opens_on.isoformat(),
            "closes_on": window.closes_on.isoformat(),
            "promise_hours": 48,
        }
    if basename == "renewalrequest":
        return {"decision": "approve"}
    if basename == "renewalrequest-bulk":
        return {"ids": [rows["renewalrequest"].pk], "decision": "approve"}
    if basename == "me-renewalrequest":
        return {"tenant_file": rows["me-tenantfile"].pk}
    if basename == "me-tenantcode":
        return {"code": TENANT_CODE.lower()}
    if basename == "tenantfile-unlink":
        return {"reason": "lost access to the old email address"}
    if basename == "tenantfile-relink":
        return {"user_email": rows["account"].email}
    if basename == "tenantfile-change-unit":
        return {"unit": rows["free_unit"].pk, "new_code": True}
    if basename == "tenantfile-transfer":
        return {
            "unit": rows["versailles_free_unit"].pk,
            "start_date": "2027-01-04",
            "end_date": "2027-06-30",
        }
    if basename == "tenantfile" and method == "POST":
        return {
            "student": rows["student"].pk,
            "unit": rows["free_unit"].pk,
            "start_date": "2026-09-01",
            "end_date": "2027-06-30",
        }
    return {}


def _assistance_payload(basename: str, rows: dict[str, Any]) -> dict[str, Any]:
    return {
        "ticket-assign": {"assignee": None},
        "ticket-set-status": {"status": "open"},
        "ticket-reply": {"body": "Here is your answer."},
        "ticket-note": {"body": "Called the residence."},
        "ticket-move": {"crous": rows["versailles_free_unit"].residence.crous_id},
        "ticket-resend-code": {"tenant_file": rows["tenantfile"].pk},
        "ticket-relink": {"tenant_file": rows["tenantfile"].pk},
        "ticket-transfer": {
            "tenant_file": rows["tenantfile"].pk,
            "unit": rows["versailles_free_unit"].pk,
            "start_date": "2027-01-04",
            "end_date": "2027-06-30",
        },
        "me-ticket": {
            "crous": rows["crous"].pk,
            "category": "code_resend",
            "subject": "Code not received",
            "body": "Could you send it again?",
        },
    }.get(basename, {})


def _url(route: str, rows: dict[str, Any]) -> str:
    name = route.removeprefix("api:")
    if name == "not-found":
        return "/api/v1/no-such-endpoint/"
    if name in TENANT_FILE_ACTIONS:
        return reverse(route, args=[rows[TENANT_FILE_ACTIONS[name]].pk])
    basename, _, kind = name.rpartition("-")
    if kind == "list" or name in NO_ARGUMENT_ROUTES:
        return reverse(route)
    return reverse(route, args=[rows[basename].pk])


def _client_for(persona: str, request: pytest.FixtureRequest) -> APIClient:
    client = APIClient()
    if persona != "anonymous":
        fixture = "linked_student" if persona == "student" else persona
        client.force_login(request.getfixturevalue(fixture))
    return client


@pytest.mark.parametrize(
    ("route", "method", "persona", "expected"),
    [
        pytest.param(route, method, persona, status, id=f"{method} {route} as {persona}")
        for (route, method), statuses in sorted(MATRIX.items())
        for persona, status in statuses.items()
    ],
)
def test_permission_matrix(request, bordeaux_rows, versailles, route, method, persona, expected):
    client = _client_for(persona, request)
    name = route.removeprefix("api:")
    basename = name if name in TENANT_FILE_ACTIONS else name.rpartition("-")[0]

    response = client.generic(
        method,
        _url(route, bordeaux_rows),
        data=json.dumps(_payload(basename, method, bordeaux_rows)) if method != "GET" else "",
        content_type="application/json",
    )

    assert response.status_code == expected, response.content
    if expected >= 400:
        assert set(response.json()) == {"error"}
    if route == "api:tenantfile-end" and expected == 200:
        assert response.json()["status"] == TenantFileStatus.ENDED
