"""Included by ``allauth.urls`` in place of allauth's own OpenID Connect URLs (allauth imports
the ``urls`` module next to the provider class), with the same names and paths."""

from __future__ import annotations

from django.urls import include, path, re_path

from crous_admin.accounts.state_sign_in import views

urlpatterns = [
    path(
        "oidc/",
        include(
            [
                re_path(
                    r"^(?P<provider_id>[^/]+)/",
                    include(
                        [
                            path("login/", views.login, name="openid_connect_login"),
                            path("login/callback/", views.callback, name="openid_connect_callback"),
                        ]
                    ),
                )
            ]
        ),
    )
]
