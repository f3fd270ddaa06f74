"""Claims of the demonstration provider: those of the chosen demo identity."""

from __future__ import annotations

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator


class DemoOIDCValidator(OAuth2Validator):
    # Which scope releases which claim (django-oauth-toolkit filters on it).
    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        "usual_name": "profile",
    }

    def get_claim_dict(self, request: Any) -> dict[str, Any]:
        identity = request.user.demo_identity
        # ``sub`` is the identity's stable subject, as a real provider's pairwise identifier;
        # not the provider-side user's database id.
        return {"sub": identity.sub, **identity.claims()}

    def get_discovery_claims(self, request: Any) -> list[str]:
        return ["sub", "given_name", "family_name", "usual_name", "email", "email_verified"]
