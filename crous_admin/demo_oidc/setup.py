"""The demonstration provider's clients and identities, created on its first use.

Not after ``migrate``: the test database would then hold the provider-side users in every
test. The authorization page creates them when the client applications are missing.

Two client applications, as a real deployment registers two (one at FranceConnect for the
student pages, one at ProConnect for staff), and one identity per demo account of
``seed_demo`` so that "Sign in with FranceConnect" as Léa Martin reaches Léa's demo account.
Two more show the rules: a student the site does not know yet (an account is created), and
an address the provider has not verified (never linked to the existing account).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from oauth2_provider.models import get_application_model

from crous_admin.demo_oidc.models import Audience, DemoIdentity


@dataclass(frozen=True)
class IdentitySpec:
    sub: str
    audience: str
    email: str
    given_name: str
    family_name: str = ""
    usual_name: str = ""
    email_verified: bool = True
    description: str = ""


# The addresses are those of residences/demo_data.py's demo accounts.
DEMO_IDENTITIES = (
    IdentitySpec(
        "demo-fc-lea-martin",
        Audience.STUDENT,
        "etudiant@crous-demo.example",
        "Léa",
        family_name="Martin",
        description="Student with a linked tenant file (Bordeaux)",
    ),
    IdentitySpec(
        "demo-fc-hugo-bernard",
        Audience.STUDENT,
        "nouvel.etudiant@crous-demo.example",
        "Hugo",
        family_name="Bernard",
        description="Student with an account, no linked file yet",
    ),
    IdentitySpec(
        "demo-fc-yanis-benali",
        Audience.STUDENT,
        "etudiant.versailles@crous-demo.example",
        "Yanis",
        family_name="Benali",
        description="Scholarship student in Versailles",
    ),
    IdentitySpec(
        "demo-fc-ines-moreau",
        Audience.STUDENT,
        "ines.moreau@etu-demo.example",
        "Inès",
        family_name="Moreau",
        description="Student the site does not know yet: an account is created",
    ),
    IdentitySpec(
        "demo-fc-unverified",
        Audience.STUDENT,
        "etudiant@crous-demo.example",
        "Léa",
        family_name="Martin",
        email_verified=False,
        description="Léa's address, not verified by the provider: never linked to her account",
    ),
    IdentitySpec(
        "demo-pc-officer-bordeaux",
        Audience.STAFF,
        "officer.bordeaux@crous-demo.example",
        "Olivier",
        usual_name="Crous de Bordeaux-Aquitaine",
        description="Housing officer, Bordeaux",
    ),
    IdentitySpec(
        "demo-pc-admin-bordeaux",
        Audience.STAFF,
        "admin.bordeaux@crous-demo.example",
        "Anne",
        usual_name="Crous de Bordeaux-Aquitaine",
        description="Crous administrator, Bordeaux",
    ),
    IdentitySpec(
        "demo-pc-national",
        Audience.STAFF,
        "national@crous-demo.example",
        "Nadia",
        usual_name="National",
        description="National administrator",
    ),
)


def callback_urls(*, provider_id: str, site_urls: list[str]) -> list[str]:
    """Where allauth's OpenID Connect provider ``provider_id`` receives the code."""
    return [f"{base.rstrip('/')}/compte/oidc/{provider_id}/login/callback/" for base in site_urls]


def default_site_urls() -> list[str]:
    urls = [settings.SITE_URL]
    # ``runserver`` answers on both names; a newcomer may type either.
    if "127.0.0.1" in settings.SITE_URL:
        urls.append(settings.SITE_URL.replace("127.0.0.1", "localhost"))
    return urls


@transaction.atomic
def demo_provider_ensure(*, site_urls: list[str] | None = None) -> None:
    """Creates or updates the client applications and the demo identities (idempotent)."""
    site_urls = site_urls or default_site_urls()
    application_model = get_application_model()
    for client in settings.DEMO_OIDC_CLIENTS.values():
        application, _created = application_model.objects.get_or_create(
            client_id=client["client_id"],
            defaults={"name": client["name"]},
        )
        application.name = client["name"]
        application.client_type = application_model.CLIENT_CONFIDENTIAL
        application.authorization_grant_type = application_model.GRANT_AUTHORIZATION_CODE
        application.algorithm = application_model.RS256_ALGORITHM
        application.skip_authorization = False
        application.redirect_uris = " ".join(
            callback_urls(provider_id=client["provider_id"], site_urls=site_urls)
        )
        # Hashed on save by django-oauth-toolkit; the demo secret itself is in the settings.
        application.client_secret = client["secret"]
        application.save()
    for spec in DEMO_IDENTITIES:
        _identity_ensure(spec)


def _identity_ensure(spec: IdentitySpec) -> DemoIdentity:
    user_model = get_user_model()
    provider_side_email = f"{spec.sub}@demo-oidc.invalid"
    user, _created = user_model.objects.get_or_create(
        email=provider_side_email, defaults={"is_active": False}
    )
    if user.has_usable_password() or user.is_active:
        user.set_unusable_password()
        user.is_active = False
        user.save()
    fields: dict[str, Any] = {
        "user": user,
        "audience": spec.audience,
        "email": spec.email,
        "email_verified": spec.email_verified,
        "given_name": spec.given_name,
        "family_name": spec.family_name,
        "usual_name": spec.usual_name,
        "description": spec.description,
    }
    identity, _created = DemoIdentity.objects.update_or_create(sub=spec.sub, defaults=fields)
    return identity


def demo_provider_ensure_if_missing() -> None:
    client_ids = [client["client_id"] for client in settings.DEMO_OIDC_CLIENTS.values()]
    present = get_application_model().objects.filter(client_id__in=client_ids).count()
    if present < len(client_ids):
        demo_provider_ensure()
