"""Inviting staff by email, accepting an invitation, deactivating a staff member.

Who may do what: a Crous administrator acts in the Crous where they hold that role, with the
roles of a Crous (never the national role); national administrators and superusers act
everywhere and alone grant the national role. The same rule as the staff-membership admin,
checked here once for every surface. Every change is in the history (django-simple-history)
with its author and reason.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from crous_admin.accounts.models import UserManager
from crous_admin.accounts.roles import Role, staff_roles_of
from crous_admin.errors import ApplicationError
from crous_admin.history import record_author
from crous_admin.scoping import scope_for
from residences.models import Crous, StaffMembership
from residences.staff_invitations.models import StaffInvitation

if TYPE_CHECKING:
    from crous_admin.accounts.models import User

logger = logging.getLogger(__name__)


def may_manage_staff_of(*, by: User, crous: Crous | None) -> bool:
    """National staff manage everybody; a Crous administrator, the staff of that Crous."""
    if scope_for(by).is_national:
        return True
    if crous is None:
        return False
    return any(
        r.crous_id == crous.pk and r.role == Role.CROUS_ADMIN for r in staff_roles_of(user=by)
    )


def _refuse(message: str, *, field: str | None = None) -> ApplicationError:
    return ApplicationError(message, code="forbidden", field=field, status=403)


def _check_may_grant(*, by: User, crous: Crous | None, role: str) -> None:
    if role not in Role.values:
        raise ApplicationError(_("Unknown role."), code="invalid_role", field="role")
    if role == Role.NATIONAL_ADMIN:
        if not scope_for(by).is_national:
            raise _refuse(
                _("Only national administrators grant the national administrator role."),
                field="role",
            )
        if crous is not None:
            raise ApplicationError(
                _("The national administrator role belongs to no Crous: leave the Crous empty."),
                code="national_without_crous",
                field="crous",
            )
        return
    if crous is None:
        raise ApplicationError(
            _("Choose the Crous this role is held in."), code="crous_required", field="crous"
        )
    if not may_manage_staff_of(by=by, crous=crous):
        raise _refuse(
            _("You can only invite staff into a Crous where you are an administrator."),
            field="crous",
        )


@transaction.atomic
def staff_invite(*, crous: Crous | None, role: str, email: str, by: User) -> StaffInvitation:
    """Gives ``email`` the ``role`` in ``crous`` and emails them a one-time link to set their
    password (or to sign in with ProConnect, which links through the same verified address).

    The account is created if needed, without a usable password; it opens the back-office
    (``is_staff``) at once, like a membership added by hand.
    """
    _check_may_grant(by=by, crous=crous, role=role)
    email = UserManager.normalize_email(email)
    if not email:
        raise ApplicationError(_("Enter an email address."), code="required", field="email")
    user_model = get_user_model()
    with scopes_disabled():
        user = user_model.objects.filter(email__iexact=email).first()
        if user is None:
            user = user_model.objects.create_user(email=email, password=None, is_staff=True)
        else:
            if not user.is_active and not may_manage_staff_everywhere(by):
                # Reopening an account closed by another Crous is national staff's call.
                raise _refuse(
                    _("This account was deactivated: ask a national administrator."),
                    field="email",
                )
            user.is_active = True
            user.is_staff = True
            user.save(update_fields=["is_active", "is_staff"])
        if StaffMembership.objects.filter(user=user, crous=crous, role=role).exists():
            raise ApplicationError(
                _("This person already holds this role in this Crous."),
                code="duplicate_membership",
                field="email",
            )
        membership = StaffMembership(user=user, crous=crous, role=role)
        record_author(membership, by, "staff invited by email")
        membership.save()
        invitation = StaffInvitation(email=email, crous=crous, role=role, user=user, invited_by=by)
        record_author(invitation, by, "staff invited by email")
        invitation.save()
    transaction.on_commit(partial(_send_invitation_email, invitation.pk))
    logger.info("staff invited", extra={"invitation": invitation.pk, "by": by.pk})
    return invitation


def may_manage_staff_everywhere(by: User) -> bool:
    return scope_for(by).is_national


def invitation_link(*, user: User) -> str:
    """The one-time link: Django's password-reset token, void once the password is set or
    the person has logged in, and after PASSWORD_RESET_TIMEOUT."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("staff_invitation_accept", kwargs={"uidb64": uidb64, "token": token})
    return f"{settings.SITE_URL}{path}"


def _send_invitation_email(invitation_id: int) -> None:
    with scopes_disabled():
        invitation = StaffInvitation.objects.select_related("user", "crous").get(pk=invitation_id)
    user = invitation.user
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        context = {
            "invitation": invitation,
            "role": invitation.get_role_display(),
            "crous": invitation.crous.name if invitation.crous else _("every Crous"),
            "link": invitation_link(user=user),
            "days": settings.PASSWORD_RESET_TIMEOUT // 86400,
            "login_url": f"{settings.SITE_URL}{reverse('portal:login')}",
        }
        subject = render_to_string("residences/email/staff_invitation_subject.txt", context)
        body = render_to_string("residences/email/staff_invitation_message.txt", context)
    send_mail(" ".join(subject.split()), body, None, [invitation.email])


@transaction.atomic
def staff_invitation_accept(*, user: User) -> int:
    """Marks ``user``'s open invitations accepted (their password is set); returns how many."""
    with scopes_disabled():
        return StaffInvitation.objects.filter(user=user, accepted_at=None).update(
            accepted_at=timezone.now()
        )


@transaction.atomic
def staff_deactivate(*, user: User, crous: Crous | None, by: User) -> int:
    """Withdraws ``user``'s roles in ``crous`` (every role, for national staff passing no
    Crous); an account left with no role anywhere is closed (inactive, no back-office).
    Returns the number of roles withdrawn."""
    if not may_manage_staff_of(by=by, crous=crous):
        raise _refuse(_("You can only deactivate staff of a Crous where you are an administrator."))
    if user.pk == by.pk:
        raise ApplicationError(_("You cannot deactivate yourself."), code="self_deactivation")
    if user.is_superuser and not by.is_superuser:
        raise _refuse(_("Only a superuser can deactivate a superuser."))
    with scopes_disabled():
        memberships = StaffMembership.objects.filter(user=user)
        if crous is not None:
            memberships = memberships.filter(crous=crous)
        withdrawn = 0
        for membership in memberships.select_for_update(of=("self",)):
            record_author(membership, by, "staff member deactivated")
            membership.delete()
            withdrawn += 1
        if not StaffMembership.objects.filter(user=user).exists() and not user.is_superuser:
            user.is_active = False
            user.is_staff = False
            user.save(update_fields=["is_active", "is_staff"])
    logger.info("staff deactivated", extra={"user": user.pk, "by": by.pk, "roles": withdrawn})
    return withdrawn
