"""Sign-in with the State's identity federations (FranceConnect, ProConnect) over OpenID Connect.

allauth's ``openid_connect`` provider, made stricter (``provider.py``) and configured from the
environment (``config.py``); see docs/state-sign-in.md and docs/adr/0021-state-sign-in-oidc.md.
"""
