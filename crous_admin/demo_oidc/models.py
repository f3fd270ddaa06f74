"""Who can sign in at the demonstration identity provider, with the claims it asserts.

The provider is django-oauth-toolkit, whose grants and tokens belong to a row of the user
table. Each demo identity therefore has its own *provider-side* user: an inactive account
with an address under ``.invalid`` that can never sign in to the site itself. The site
account a demo identity reaches is found the way a real FranceConnect or ProConnect sign-in
finds it: by the verified email claim (see docs/state-sign-in.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Audience(models.TextChoices):
    STUDENT = "student", _("Student (FranceConnect)")
    STAFF = "staff", _("State agent (ProConnect)")


class DemoIdentity(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="demo_identity",
        verbose_name=_("provider-side user"),
    )
    audience = models.CharField(_("audience"), max_length=8, choices=Audience.choices)
    sub = models.CharField(_("subject (sub)"), max_length=64, unique=True)
    email = models.EmailField(_("email address"))
    email_verified = models.BooleanField(_("email verified"), default=True)
    given_name = models.CharField(_("given name"), max_length=150)
    family_name = models.CharField(_("family name"), max_length=150, blank=True)
    # ProConnect names the surname "usual_name" and sends no family_name.
    usual_name = models.CharField(_("usual name"), max_length=150, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("demo identity")
        verbose_name_plural = _("demo identities")
        ordering = ("audience", "email")

    def __str__(self) -> str:
        surname = self.family_name or self.usual_name
        return f"{self.given_name} {surname} <{self.email}>"

    def claims(self) -> dict[str, object]:
        """The OpenID claims this identity asserts (profile and email scopes)."""
        claims: dict[str, object] = {
            "given_name": self.given_name,
            "email": self.email,
            "email_verified": self.email_verified,
        }
        if self.family_name:
            claims["family_name"] = self.family_name
        if self.usual_name:
            claims["usual_name"] = self.usual_name
        return claims
