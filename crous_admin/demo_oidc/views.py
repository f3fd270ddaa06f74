"""The demonstration provider's authorization page: pick a demo identity, then consent.

A real provider asks its user to log in; this one lists the demo identities instead. It must
not use the site's own session user (the provider is mounted in the same process, and the
person is signing in to the site precisely because they are not logged in there yet): the
chosen identity is the grant's user for this one request only, and nobody is logged in here.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from oauth2_provider.forms import AllowForm
from oauth2_provider.views import AuthorizationView

from crous_admin.demo_oidc.models import DemoIdentity
from crous_admin.demo_oidc.setup import demo_provider_ensure_if_missing


class DemoAllowForm(AllowForm):
    identity = forms.ModelChoiceField(
        queryset=DemoIdentity.objects.none(),
        label=_("Demo identity"),
        widget=forms.RadioSelect,
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("allow") and not cleaned.get("identity"):
            self.add_error("identity", _("Choose the identity to sign in with."))
        return cleaned


def _audience_of(client_id: str | None) -> str | None:
    for audience, client in settings.DEMO_OIDC_CLIENTS.items():
        if client["client_id"] == client_id:
            return audience
    return None


class DemoAuthorizationView(AuthorizationView):
    template_name = "demo_oidc/authorize.html"
    form_class = DemoAllowForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.oauth2_data = {}
        demo_provider_ensure_if_missing()
        # Skips django-oauth-toolkit's LoginRequiredMixin: the person picks an identity here.
        return super(LoginRequiredMixin, self).dispatch(request, *args, **kwargs)

    def get_form(self, form_class: Any = None) -> DemoAllowForm:
        form = super().get_form(form_class)
        client_id = self.request.POST.get("client_id") or self.oauth2_data.get("client_id")
        form.fields["identity"].queryset = DemoIdentity.objects.filter(
            audience=_audience_of(client_id)
        ).select_related("user")
        return form

    def form_valid(self, form: DemoAllowForm) -> HttpResponse:
        identity = form.cleaned_data.get("identity")
        if identity is not None:
            # The grant (and so the tokens and claims) belong to the chosen identity.
            self.request.user = identity.user
        return super().form_valid(form)
