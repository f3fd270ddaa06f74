from __future__ import annotations

from django.urls import path

from residences.staff_invitations.views import StaffInvitationAcceptView

urlpatterns = [
    path(
        "<uidb64>/<token>/",
        StaffInvitationAcceptView.as_view(),
        name="staff_invitation_accept",
    ),
]
