from __future__ import annotations

from django.urls import path

from assistance.portal import views

app_name = "assistance_portal"

urlpatterns = [
    path("", views.ticket_list, name="tickets"),
    path("nouvelle/", views.ticket_new, name="new"),
    path("<int:pk>/", views.ticket_detail, name="ticket"),
    path("suivi/<str:token>/", views.thread, name="thread"),
    path("acces-perdu/", views.lost_access, name="lost_access"),
    path(
        "acces-perdu/confirmer/<str:token>/", views.lost_access_confirm, name="lost_access_confirm"
    ),
    path("piece-jointe/<int:pk>/", views.attachment_download, name="attachment"),
]
