"""Signing in with FranceConnect / ProConnect: real OpenID Connect round trips against the
demonstration provider (authorization code + PKCE, signed ID token, nonce, state)."""

from __future__ import annotations

import json
from urllib.parse import urlencode, urlsplit

import jwt
import pytest
from allauth.socialaccount.models import SocialAccount
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import get_user_model

from crous_admin.testing.oidc import oidc_sign_in, query_of
from residences.models import StaffMembership


def _signed_in_user_id(client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def _with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {**query_of(url), **changes}
    return parts._replace(query=urlencode(query)).geturl()


def test_a_verified_email_links_the_first_franceconnect_sign_in_to_the_existing_account(
    client, linked_student, identity, provider_http
):
    lea = identity("demo-fc-lea-martin")
    lea.email = linked_student.email
    lea.save()

    trip = oidc_sign_in(client, provider_id="franceconnect", identity_pk=lea.pk)

    assert trip.final.status_code == 302
    assert _signed_in_user_id(client) == linked_student.pk
    assert SocialAccount.objects.get(user=linked_student).uid == "demo-fc-lea-martin"


def test_the_round_trip_uses_pkce_a_nonce_and_the_providers_jwks(
    client, linked_student, identity, provider_http
):
    lea = identity("demo-fc-lea-martin")
    lea.email = linked_student.email
    lea.save()

    trip = oidc_sign_in(client, provider_id="franceconnect", identity_pk=lea.pk)

    sent = query_of(trip.authorize_url)
    assert sent["code_challenge_method"] == "S256"
    assert len(sent["nonce"]) >= 32
    assert sent["state"]
    called = {path for _method, path in provider_http.calls}
    assert {"/demo-oidc/token/", "/demo-oidc/.well-known/jwks.json"} <= called


def test_an_unverified_email_never_links_to_the_account_holding_that_address(
    client, linked_student, identity, provider_http
):
    unverified = identity("demo-fc-unverified")
    unverified.email = linked_student.email
    unverified.save()

    oidc_sign_in(client, provider_id="franceconnect", identity_pk=unverified.pk)

    assert _signed_in_user_id(client) != linked_student.pk
    assert not SocialAccount.objects.filter(user=linked_student).exists()


def test_a_new_student_gets_an_account_with_the_names_of_the_claims(
    client, identity, provider_http
):
    ines = identity("demo-fc-ines-moreau")

    oidc_sign_in(client, provider_id="franceconnect", identity_pk=ines.pk)

    user = get_user_model().objects.get(email="ines.moreau@etu-demo.example")
    assert (user.first_name, user.last_name) == ("Inès", "Moreau")
    assert _signed_in_user_id(client) == user.pk


def test_proconnect_usual_name_is_the_family_name_and_gives_no_role(
    client, bordeaux_officer, identity, provider_http
):
    officer = identity("demo-pc-officer-bordeaux")
    officer.email = bordeaux_officer.email
    officer.save()
    roles_before = set(StaffMembership.objects.values_list("user_id", "crous_id", "role"))
    newcomer = identity("demo-pc-national")  # unknown address here: a new account

    oidc_sign_in(client, provider_id="proconnect", identity_pk=newcomer.pk)

    user = get_user_model().objects.get(email="national@crous-demo.example")
    assert user.last_name == "National"
    assert not user.is_staff
    assert set(StaffMembership.objects.values_list("user_id", "crous_id", "role")) == (roles_before)


def test_a_wrong_state_is_refused(client, linked_student, identity, provider_http):
    lea = identity("demo-fc-lea-martin")
    lea.email = linked_student.email
    lea.save()

    trip = oidc_sign_in(
        client,
        provider_id="franceconnect",
        identity_pk=lea.pk,
        tamper_callback=lambda url: _with_query(url, state="forged-state-value"),
    )

    assert trip.final.status_code == 401  # allauth's sign-in error page
    assert _signed_in_user_id(client) is None
    assert ("POST", "/demo-oidc/token/") not in provider_http.calls  # code never exchanged


def test_a_nonce_other_than_the_one_sent_is_refused(
    client, linked_student, identity, provider_http
):
    lea = identity("demo-fc-lea-martin")
    lea.email = linked_student.email
    lea.save()

    trip = oidc_sign_in(
        client,
        provider_id="franceconnect",
        identity_pk=lea.pk,
        # The provider signs whatever nonce it received: a replayed or injected one.
        tamper_authorize=lambda url: _with_query(url, nonce="another-nonce-" + "x" * 20),
    )

    assert trip.final.status_code == 401
    assert _signed_in_user_id(client) is None
    assert not SocialAccount.objects.exists()


@pytest.fixture
def forged_id_tokens(provider_http):
    """Replaces the provider's ID token by the same claims signed with another RSA key
    (same ``kid``, so the site looks up the provider's real key and must reject it)."""
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def rewrite(path, response):
        if path != "/demo-oidc/token/" or response.status_code != 200:
            return
        payload = json.loads(response.content)
        header = jwt.get_unverified_header(payload["id_token"])
        claims = jwt.decode(payload["id_token"], options={"verify_signature": False})
        payload["id_token"] = jwt.encode(
            claims, other_key, algorithm="RS256", headers={"kid": header["kid"]}
        )
        response._content = json.dumps(payload).encode()

    provider_http.rewrite = rewrite
    return provider_http


def test_an_id_token_signed_by_another_key_is_refused(
    client, linked_student, identity, forged_id_tokens
):
    lea = identity("demo-fc-lea-martin")
    lea.email = linked_student.email
    lea.save()

    trip = oidc_sign_in(client, provider_id="franceconnect", identity_pk=lea.pk)

    assert trip.final.status_code == 401
    assert _signed_in_user_id(client) is None
    assert not SocialAccount.objects.exists()


def test_the_login_page_shows_the_franceconnect_and_proconnect_buttons(client, demo_provider):
    response = client.get("/connexion/")

    assert b'id="franceconnect-button"' in response.content
    assert b'fr-connect__brand">FranceConnect' in response.content
    assert b'id="proconnect-button"' in response.content


def test_no_configured_provider_means_no_button(client, db, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": []}}

    response = client.get("/connexion/")

    assert b"fr-connect" not in response.content
