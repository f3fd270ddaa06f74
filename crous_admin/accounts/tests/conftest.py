from __future__ import annotations

import copy

import pytest

from crous_admin.testing.oidc import SITE, TestClientTransport, session_with


@pytest.fixture
def demo_provider(db, settings):
    """The demonstration provider, with the site's FranceConnect and ProConnect apps pointed
    at it on the test server's address (no configured real provider)."""
    from crous_admin.demo_oidc.setup import demo_provider_ensure

    providers = copy.deepcopy(settings.SOCIALACCOUNT_PROVIDERS)
    for app in providers["openid_connect"]["APPS"]:
        app["settings"]["server_url"] = f"{SITE}/demo-oidc"
    settings.SOCIALACCOUNT_PROVIDERS = providers
    demo_provider_ensure(site_urls=[SITE])


@pytest.fixture
def provider_http(monkeypatch):
    """Routes allauth's server-side requests to the provider through the test client."""
    from allauth.socialaccount.adapter import DefaultSocialAccountAdapter

    transport = TestClientTransport()
    monkeypatch.setattr(
        DefaultSocialAccountAdapter, "get_requests_session", lambda self: session_with(transport)
    )
    return transport


@pytest.fixture
def identity(demo_provider):
    from crous_admin.demo_oidc.models import DemoIdentity

    def get(sub: str) -> DemoIdentity:
        return DemoIdentity.objects.get(sub=sub)

    return get
