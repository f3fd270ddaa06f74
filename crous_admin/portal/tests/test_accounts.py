from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from crous_admin.errors import ConflictError
from crous_admin.portal.services import student_account_create
from residences.tests.factories import UserFactory

PASSWORD = "correct horse battery staple"


def _signup_data(**overrides: str) -> dict[str, str]:
    return {
        "email": "Camille.Durand@Etu.example",
        "first_name": "Camille",
        "last_name": "Durand",
        "password1": "une-chambre-a-Talence-2026",
        "password2": "une-chambre-a-Talence-2026",
        **overrides,
    }


@pytest.mark.django_db
def test_signup_creates_the_account_and_logs_the_student_in(client):
    response = client.post(reverse("portal:signup"), _signup_data(), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 302
    assert response.url == reverse("portal:home")
    user = get_user_model().objects.get()
    assert user.email == "camille.durand@etu.example"  # stored lower-case
    assert (user.first_name, user.last_name) == ("Camille", "Durand")
    assert not user.is_staff
    assert user.preferred_language == "en"
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_signup_welcomes_the_student_on_the_next_page(client):
    response = client.post(
        reverse("portal:signup"), _signup_data(), HTTP_ACCEPT_LANGUAGE="en", follow=True
    )

    assert "Your account is created and you are logged in." in response.content.decode()


@pytest.mark.django_db
def test_signup_goes_back_to_the_page_that_asked_for_an_account(client):
    housing = reverse("tenants_portal:housing")

    response = client.post(reverse("portal:signup"), {**_signup_data(), "next": housing})

    assert response.url == housing


@pytest.mark.django_db
def test_signup_ignores_a_next_address_on_another_site(client):
    response = client.post(
        reverse("portal:signup"), {**_signup_data(), "next": "https://phishing.example/"}
    )

    assert response.url == reverse("portal:home")


@pytest.mark.django_db
def test_signup_refuses_an_email_already_taken_in_another_case(client):
    UserFactory(email="camille.durand@etu.example")

    response = client.post(
        reverse("portal:signup"),
        _signup_data(email="CAMILLE.Durand@etu.EXAMPLE"),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    assert (
        "An account already exists with this email address"
        in response.context["form"].errors["email"][0]
    )
    assert get_user_model().objects.count() == 1
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_signup_refuses_two_different_passwords(client):
    response = client.post(
        reverse("portal:signup"),
        _signup_data(password2="autre-chose-2026"),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    assert response.context["form"].errors["password2"]
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_signup_applies_django_password_validators(client):
    response = client.post(
        reverse("portal:signup"),
        _signup_data(password1="12345678", password2="12345678"),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["password1"])
    assert "too common" in errors
    assert "entirely numeric" in errors
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_signup_page_renders_the_dsfr_form(client):
    response = client.get(reverse("portal:signup"), HTTP_ACCEPT_LANGUAGE="en")

    page = response.content.decode()
    assert response.status_code == 200
    assert 'class="fr-input"' in page
    assert 'autocomplete="new-password"' in page


def test_signup_sends_a_logged_in_student_home(client, unlinked_student):
    client.force_login(unlinked_student)

    response = client.get(reverse("portal:signup"))

    assert response.url == reverse("portal:home")


@pytest.mark.django_db
def test_account_service_refuses_a_taken_email_even_when_the_form_check_was_passed():
    UserFactory(email="camille.durand@etu.example")

    with pytest.raises(ConflictError) as refused:
        student_account_create(
            email="Camille.DURAND@etu.example",
            first_name="Camille",
            last_name="Durand",
            password="une-chambre-a-Talence-2026",
        )

    assert refused.value.field == "email"
    assert get_user_model().objects.count() == 1


@pytest.mark.django_db
def test_login_accepts_the_email_in_any_case(client):
    user = UserFactory(email="lea.martin@etu.example", password=PASSWORD)

    response = client.post(
        reverse("portal:login"), {"username": "Lea.MARTIN@Etu.Example", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response.url == reverse("portal:home")
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_login_with_a_wrong_password_explains_and_does_not_log_in(client):
    UserFactory(email="lea.martin@etu.example", password=PASSWORD)

    response = client.post(
        reverse("portal:login"),
        {"username": "lea.martin@etu.example", "password": "ABCD-EFGH-JK"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    assert "do not match an account" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_login_page_labels_the_identifier_as_an_email_address(client):
    page = client.get(reverse("portal:login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'type="email" name="username"' in page
    assert "Email address" in page


def test_logout_is_a_post_and_ends_the_session(client, unlinked_student):
    client.force_login(unlinked_student)

    assert client.get(reverse("portal:logout")).status_code == 405
    response = client.post(reverse("portal:logout"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_account_page_shows_the_logged_in_student(client, unlinked_student):
    client.force_login(unlinked_student)

    response = client.get(reverse("portal:account"))

    assert response.status_code == 200
    assert unlinked_student.email in response.content.decode()


@pytest.mark.django_db
def test_account_page_sends_anonymous_visitors_to_log_in(client):
    response = client.get(reverse("portal:account"))

    assert response.status_code == 302
    assert response.url == f"{reverse('portal:login')}?next={reverse('portal:account')}"
