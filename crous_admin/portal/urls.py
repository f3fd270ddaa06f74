from __future__ import annotations

from django.urls import path

from crous_admin.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("connexion/", views.PortalLoginView.as_view(), name="login"),
    path("deconnexion/", views.PortalLogoutView.as_view(), name="logout"),
    path("inscription/", views.signup, name="signup"),
    path("compte/", views.account, name="account"),
]
