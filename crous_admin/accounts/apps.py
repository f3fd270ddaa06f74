from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "crous_admin.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from allauth.mfa.signals import authenticator_added

        from crous_admin.accounts.mfa_enforcement import record_enrolment_as_mfa

        # Explicit hook: enrolling a second factor counts as using it for this session, so
        # staff are not asked for a code again right after enrolling (mfa_enforcement.py).
        authenticator_added.connect(record_enrolment_as_mfa, dispatch_uid="staff_mfa_enrolment")

        from allauth.socialaccount.signals import social_account_added

        from crous_admin.accounts.state_sign_in.email_addresses import (
            mark_provider_verified_addresses,
        )

        # Explicit hook: a FranceConnect/ProConnect sign-in joined to an existing account by
        # a verified address marks that address verified (state_sign_in/email_addresses.py).
        social_account_added.connect(
            mark_provider_verified_addresses, dispatch_uid="state_sign_in_verified_addresses"
        )
