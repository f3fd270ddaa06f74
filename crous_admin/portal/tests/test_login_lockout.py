"""Login lockout (django-axes): wrong passwords for one address from one connection lock that
pair for a while, on the student pages and the back-office alike."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from residences.tests.factories import UserFactory

PASSWORD = "a-long-passphrase-2026"
LOGIN = "portal:login"


@pytest.fixture
def student(db):
    return UserFactory(email="lea.martin@etu.example", password=PASSWORD)


def _log_in(client, password, *, ip="203.0.113.7", email="lea.martin@etu.example"):
    return client.post(reverse(LOGIN), {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_five_wrong_passwords_block_the_right_one_and_say_what_to_do(client, student, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _log_in(client, "wrong").status_code == 200  # the form again, with its error
    assert _log_in(client, "wrong").status_code == 429  # the last one allowed locks

    response = _log_in(client, PASSWORD)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    page = response.content.decode()
    assert "15 minutes" in page
    assert "Assistance" in page


def test_the_lock_holds_one_connection_only(client, student, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _log_in(client, "wrong", ip="203.0.113.7")

    response = _log_in(client, PASSWORD, ip="198.51.100.20")

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(student.pk)


def test_the_lock_lifts_after_the_cool_off(client, student, settings, time_machine):
    time_machine.move_to("2026-10-01 09:00:00+02:00", tick=False)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _log_in(client, "wrong")
    assert _log_in(client, PASSWORD).status_code == 429

    time_machine.shift(settings.AXES_COOLOFF_TIME + timedelta(seconds=1))

    assert _log_in(client, PASSWORD).status_code == 302


def test_a_successful_login_resets_the_count(client, student, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _log_in(client, "wrong")
    assert _log_in(client, PASSWORD).status_code == 302
    client.logout()

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _log_in(client, "wrong")

    assert _log_in(client, PASSWORD).status_code == 302


def test_the_back_office_login_is_locked_the_same_way(client, bordeaux_officer, settings):
    bordeaux_officer.set_password(PASSWORD)
    bordeaux_officer.save()
    url = reverse("admin:login")
    data = {"username": bordeaux_officer.email, "password": "wrong"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, data, REMOTE_ADDR="203.0.113.9")

    response = client.post(
        url, {**data, "password": PASSWORD}, REMOTE_ADDR="203.0.113.9", follow=False
    )

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_changing_the_case_of_the_address_gives_no_extra_attempts(client, student, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        _log_in(
            client, "wrong", email="Lea.Martin@etu.example" if n % 2 else "lea.martin@etu.example"
        )

    assert _log_in(client, PASSWORD, email="LEA.MARTIN@ETU.EXAMPLE").status_code == 429
