"""allauth's ``openid_connect`` provider, with the checks FranceConnect and ProConnect expect.

Swapped in for allauth's class by ``SOCIALACCOUNT_PROVIDERS["openid_connect"]["provider_class"]``
(so apps keep the provider id ``openid_connect`` and allauth's flows), it adds what allauth
65 leaves out (docs/adr/0021-state-sign-in-oidc.md):

* a ``nonce`` in every authorization request, kept in allauth's one-time state and required
  back in the ID token;
* the ID token's signature always checked against the provider's JWKS, even when it came
  straight from the token endpoint (allauth then skips the check, which the specification
  allows over TLS; checking costs one cached request and refuses a forged token);
* the userinfo ``sub`` must be the ID token's;
* ProConnect's ``usual_name`` read as the family name;
* an email address counts as verified only when the provider says so (``email_verified``),
  unless the operator states that this provider only hands out verified addresses
  (app setting ``trust_email_addresses``).
"""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.core.internal.datakit import parse_bool_safely
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.openid_connect.provider import (
    OpenIDConnectProvider,
    _pick_data,
)
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.http import HttpRequest
from django.utils.crypto import get_random_string

NONCE_LENGTH = 32


class StateOIDCAdapter(OpenIDConnectOAuth2Adapter):
    #: Set by the callback view from the one-time state before the code is exchanged.
    expected_nonce: str | None = None

    def complete_login(self, request: HttpRequest, app: Any, token: Any, **kwargs: Any) -> Any:
        id_token_str = kwargs["response"].get("id_token")
        if not id_token_str:
            raise OAuth2Error("The provider returned no ID token.")
        id_token = self._decode_id_token(app, id_token_str)
        if not self.expected_nonce or id_token.get("nonce") != self.expected_nonce:
            raise OAuth2Error("The ID token's nonce is not the one this sign-in sent.")
        data: dict[str, Any] = {"id_token": id_token}
        if app.settings.get("fetch_userinfo", True):
            userinfo = self._fetch_user_info(token.token)
            if str(userinfo.get("sub")) != str(id_token.get("sub")):
                raise OAuth2Error("The userinfo subject is not the ID token's.")
            data["userinfo"] = userinfo
        return self.get_provider().sociallogin_from_response(request, data)

    def _decode_id_token(self, app: Any, id_token: str) -> dict[str, Any]:
        return jwtkit.verify_and_decode(
            credential=id_token,
            keys_url=self.openid_config["jwks_uri"],
            issuer=self.openid_config["issuer"],
            audience=app.client_id,
            lookup_kid=jwtkit.lookup_kid_jwk,
            verify_signature=True,
        )


class StateOIDCProvider(OpenIDConnectProvider):
    oauth2_adapter_class = StateOIDCAdapter
    # Both federations require PKCE-capable clients; allauth's default is off.
    pkce_enabled_default = True

    def redirect(
        self,
        request: HttpRequest,
        process: Any,
        next_url: Any = None,
        data: Any = None,
        **kwargs: Any,
    ) -> Any:
        nonce = get_random_string(NONCE_LENGTH)
        auth_params = kwargs.pop("auth_params", None)
        if auth_params is None:
            auth_params = self.get_auth_params_from_request(request, process)
        auth_params = {**auth_params, "nonce": nonce}
        # Extra keyword arguments are kept in allauth's one-time state, read back on return.
        return super().redirect(
            request, process, next_url, data, auth_params=auth_params, nonce=nonce, **kwargs
        )

    def extract_common_fields(self, data: dict[str, Any]) -> dict[str, Any]:
        fields = super().extract_common_fields(data)
        picked = _pick_data(data)
        fields["last_name"] = picked.get("family_name") or picked.get("usual_name")
        return fields

    def extract_email_addresses(self, data: dict[str, Any]) -> list[EmailAddress]:
        picked = _pick_data(data)
        email = picked.get("email")
        if not email:
            return []
        verified = bool(self.app.settings.get("trust_email_addresses")) or parse_bool_safely(
            picked.get("email_verified")
        )
        return [EmailAddress(email=email, verified=verified, primary=True)]


provider_classes = [StateOIDCProvider]
