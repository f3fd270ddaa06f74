"""Staff MFA: with STAFF_MFA_REQUIRED, the back-office needs a second factor."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse


def totp_code(secret: str, *, at: float | None = None) -> str:
    """RFC 6238 (SHA-1, 30 s, 6 digits), computed here rather than by the library tested."""
    counter = int((time.time() if at is None else at) // 30)
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


@pytest.fixture
def mfa_required(settings):
    settings.STAFF_MFA_REQUIRED = True


def test_staff_without_mfa_are_sent_to_enrol_before_the_back_office(
    client, bordeaux_officer, mfa_required
):
    client.force_login(bordeaux_officer)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))
    assert "next=%2Fadmin%2F" in response["Location"]


def test_superusers_are_sent_to_enrol_too(client, django_user_model, mfa_required):
    root = django_user_model.objects.create_superuser(email="root@crous.example", password="x")
    client.force_login(root)

    response = client.get("/admin/")

    assert response["Location"].startswith(reverse("mfa_activate_totp"))


def test_staff_with_totp_enter_a_code_then_reach_the_back_office(
    client, bordeaux_officer, mfa_required
):
    secret = generate_totp_secret()
    TOTP.activate(bordeaux_officer, secret)
    client.force_login(bordeaux_officer)  # a password-only login: no factor used yet

    asked = client.get("/admin/")
    assert asked["Location"].startswith(reverse("mfa_reauthenticate"))

    # When the code of the current 30-second window is typed
    entered = client.post(asked["Location"], {"code": totp_code(secret)})

    assert entered.status_code == 302, entered.content[:1000]
    assert client.get("/admin/").status_code == 200


def test_a_wrong_code_does_not_open_the_back_office(client, bordeaux_officer, mfa_required):
    secret = generate_totp_secret()
    TOTP.activate(bordeaux_officer, secret)
    client.force_login(bordeaux_officer)
    wrong = f"{(int(totp_code(secret)) + 1) % 1_000_000:06d}"

    client.post(reverse("mfa_reauthenticate"), {"code": wrong})

    assert client.get("/admin/").status_code == 302


def test_student_pages_are_unaffected(client, linked_student, mfa_required):
    client.force_login(linked_student)

    assert client.get("/logement/").status_code == 200
    assert client.get("/compte/").status_code == 200


def test_without_the_setting_staff_reach_the_back_office_without_mfa(
    client, bordeaux_officer, settings
):
    settings.STAFF_MFA_REQUIRED = False
    client.force_login(bordeaux_officer)

    assert client.get("/admin/").status_code == 200
