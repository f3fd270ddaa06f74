"""A first sign-in joined to an existing account through an address the provider verified."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress


def mark_provider_verified_addresses(request: Any, sociallogin: Any, **kwargs: Any) -> None:
    """allauth's ``social_account_added`` receiver: the provider vouched for these addresses
    of the account it was just joined to, so they count as verified here too (otherwise the
    account would be asked to verify the address the sign-in was matched on).

    Runs after allauth has handled the other risk of joining by address: an account whose
    address nobody had verified may have been opened by somebody else with that address,
    and allauth then removes its password before joining (``wipe_password``).
    """
    user = sociallogin.user
    for address in sociallogin.email_addresses:
        if address.verified and address.email.lower() == (user.email or "").lower():
            EmailAddress.objects.update_or_create(
                user=user,
                email__iexact=address.email,
                defaults={"email": user.email, "verified": True, "primary": True},
            )
