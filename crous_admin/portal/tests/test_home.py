from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse


@pytest.mark.django_db
def test_home_page_is_french_for_a_browser_asking_for_french(client):
    response = client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")

    assert response.status_code == 200
    assert response.headers["Content-Language"] == "fr"
    assert b'<html lang="fr"' in response.content
    # The housing section leads to "I consult my file".
    assert f'href="{reverse("tenants_portal:housing")}"'.encode() in response.content


@pytest.mark.django_db
def test_home_page_follows_the_language_cookie(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="fr")

    assert response.headers["Content-Language"] == "en"
    assert b'<html lang="en"' in response.content


@pytest.mark.django_db
def test_home_page_in_english_shows_the_housing_section_and_code_help(client):
    response = client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert response.headers["Content-Language"] == "en"
    page = response.content.decode()
    assert "Housing (in a Crous residence)" in page
    assert f'<a href="{reverse("tenants_portal:housing")}">I consult my file</a>' in page
    assert "ABCD-EFGH-JK" in page
    assert "not</strong> your INE" in page
    assert "Promotions" in page


@pytest.mark.django_db
def test_home_page_footer_points_staff_to_the_back_office_and_the_api_docs(client):
    page = client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert f'href="{reverse("admin:index")}"' in page
    assert f'href="{reverse("api-docs")}"' in page


@pytest.mark.django_db
def test_home_page_offers_sign_up_and_log_in_to_anonymous_visitors(client):
    page = client.get(reverse("portal:home")).content.decode()

    assert f'href="{reverse("portal:signup")}"' in page
    assert f'href="{reverse("portal:login")}"' in page
    assert f'action="{reverse("portal:logout")}"' not in page


def test_home_page_offers_account_and_log_out_to_a_logged_in_student(client, unlinked_student):
    client.force_login(unlinked_student)

    page = client.get(reverse("portal:home")).content.decode()

    assert f'href="{reverse("portal:account")}"' in page
    assert f'action="{reverse("portal:logout")}"' in page
    assert f'href="{reverse("portal:signup")}"' not in page


@pytest.mark.django_db
def test_language_switcher_posts_to_set_language_and_switches_to_english(client):
    page = client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert f'action="{reverse("set_language")}"' in page
    assert 'name="language" value="en"' in page

    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("portal:home")}, follow=True
    )

    assert response.redirect_chain == [(reverse("portal:home"), 302)]
    assert b'<html lang="en"' in response.content
    assert b"Housing (in a Crous residence)" in response.content


@pytest.mark.django_db
def test_home_page_reads_nothing_from_the_database_for_an_anonymous_visitor(
    client, django_assert_num_queries
):
    # No session row yet, no user, no DSFR configuration table (see context_processors.py).
    with django_assert_num_queries(0):
        client.get(reverse("portal:home"))
