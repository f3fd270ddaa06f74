"""The demonstration identity provider: what it serves, and that it stays out of production."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import run_checks

from crous_admin.demo_oidc.setup import DEMO_IDENTITIES, demo_provider_ensure

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def demo(db):
    demo_provider_ensure(site_urls=["http://testserver"])


def test_discovery_names_the_endpoints_and_rs256(client, demo):
    config = client.get("/demo-oidc/.well-known/openid-configuration").json()

    assert config["issuer"] == "http://testserver/demo-oidc"
    assert config["authorization_endpoint"] == "http://testserver/demo-oidc/authorize/"
    assert config["token_endpoint"] == "http://testserver/demo-oidc/token/"
    assert config["userinfo_endpoint"] == "http://testserver/demo-oidc/userinfo/"
    assert "RS256" in config["id_token_signing_alg_values_supported"]
    assert "S256" in config["code_challenge_methods_supported"]


def test_the_jwks_publishes_one_rsa_signing_key(client, demo):
    keys = client.get("/demo-oidc/.well-known/jwks.json").json()["keys"]

    assert [(k["kty"], k["alg"]) for k in keys] == [("RSA", "RS256")]


def test_the_consent_page_says_it_is_a_demonstration(client, demo, settings):
    settings.LANGUAGE_CODE = "fr"
    client.cookies["django_language"] = "fr"
    student_client = settings.DEMO_OIDC_CLIENTS["student"]
    response = client.get(
        "/demo-oidc/authorize/",
        {
            "client_id": student_client["client_id"],
            "redirect_uri": "http://testserver/compte/oidc/franceconnect/login/callback/",
            "response_type": "code",
            "scope": "openid profile email",
            "state": "s",
            "nonce": "n",
            "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "code_challenge_method": "S256",
        },
    )

    assert response.status_code == 200
    assert "Fournisseur d’identité de démonstration" in response.content.decode()
    # Students' identities only, on the student client.
    shown = {i.sub for i in response.context["form"].fields["identity"].queryset}
    assert shown == {s.sub for s in DEMO_IDENTITIES if s.audience == "student"}


def test_an_authorization_request_without_pkce_is_refused(client, demo, settings):
    response = client.get(
        "/demo-oidc/authorize/",
        {
            "client_id": settings.DEMO_OIDC_CLIENTS["student"]["client_id"],
            "redirect_uri": "http://testserver/compte/oidc/franceconnect/login/callback/",
            "response_type": "code",
            "scope": "openid profile email",
            "state": "s",
        },
    )

    assert response.status_code == 302
    assert "error=invalid_request" in response["Location"]


def test_provider_side_users_cannot_sign_in_to_the_site(demo, django_user_model):
    provider_side = django_user_model.objects.filter(email__endswith="@demo-oidc.invalid")

    assert provider_side.count() == len(DEMO_IDENTITIES)
    assert not provider_side.filter(is_active=True).exists()
    assert not any(u.has_usable_password() for u in provider_side)


def test_the_system_check_refuses_the_demo_provider_without_debug(settings):
    settings.DEBUG = False
    settings.DEMO_OIDC_PROVIDER = True

    errors = [e.id for e in run_checks(include_deployment_checks=True)]

    assert "demo_oidc.E001" in errors


def test_production_settings_refuse_to_start_with_the_demo_provider():
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS"}}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={
            **env,
            "DEBUG": "false",
            "DEMO_OIDC_PROVIDER": "true",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "crous.example",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode != 0
    assert "DEMO_OIDC_PROVIDER is for development only" in result.stderr


def test_no_signing_key_is_committed():
    tracked = subprocess.run(  # noqa: S603
        ["git", "grep", "-l", "BEGIN " + "PRIVATE KEY"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert tracked.stdout == ""
